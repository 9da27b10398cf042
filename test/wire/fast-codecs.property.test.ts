import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TlockError, decodeBase64, hashFromBase32, hashToBase32 } from '../../src/index.js';
import { fromHex, toHex } from '../../src/wire/bytes.js';
import { decodeBase64Into, decodeBase64Transient } from '../../src/wire/base64.js';

/*
 * decodeBase64, fromHex, hashToBase32 and toHex are written for speed. These references are the
 * straightforward versions they replaced; the fast code must give the same bytes or text, or the
 * same error code and message, for every input.
 */

function referenceBase32(hash: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of hash) bits += b.toString(2).padStart(8, '0');
  bits = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

function referenceBase64(text: string, what: string, padded: boolean): Uint8Array {
  let s = text.replace(/[\r\n]/g, '');
  if (padded) {
    if (s.length % 4 !== 0)
      throw new TlockError(
        'DECODE',
        `${what}: base64 length is not a multiple of 4 (is the padding missing?)`,
      );
    const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    s = s.slice(0, s.length - pad);
  } else if (s.includes('=')) {
    throw new TlockError('DECODE', `${what}: unpadded base64 must not contain "="`);
  }
  if (!/^[A-Za-z0-9+/]*$/.test(s))
    throw new TlockError('DECODE', `${what}: not standard base64 (A-Z, a-z, 0-9, +, /)`);
  if (s.length % 4 === 1) throw new TlockError('DECODE', `${what}: base64 is truncated`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function referenceHex(text: string, what: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new TlockError('DECODE', `${what}: not hex (expected an even number of 0-9, a-f characters)`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function outcome(fn: () => Uint8Array): { bytes: number[] } | { code: string; message: string } {
  try {
    return { bytes: [...fn()] };
  } catch (e) {
    if (!(e instanceof TlockError)) throw e;
    return { code: e.code, message: e.message };
  }
}

const b64Chars = fc.constantFrom(...'ABCXYZabcxyz0189+/=\r\n-_ é\u{1F600}'.split(''), '=', 'A', '/');

describe('one-pass decoders agree with the plain ones', () => {
  it('decodeBase64 on encodings of random bytes (padded and not), with and without edits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), b64Chars, fc.boolean())),
        (bytes, padded, edits) => {
          let text = Buffer.from(bytes).toString('base64');
          if (!padded) text = text.replace(/=+$/, '');
          for (const [at, ch, insert] of edits) {
            const i = text.length === 0 ? 0 : at % text.length;
            text = text.slice(0, i) + ch + text.slice(insert ? i : i + 1);
          }
          expect(outcome(() => decodeBase64(text, 'x', padded))).toEqual(
            outcome(() => referenceBase64(text, 'x', padded)),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('decodeBase64 on short strings of base64-ish characters', () => {
    fc.assert(
      fc.property(fc.array(b64Chars, { maxLength: 10 }), fc.boolean(), (chars, padded) => {
        const text = chars.join('');
        expect(outcome(() => decodeBase64(text, 'x', padded))).toEqual(
          outcome(() => referenceBase64(text, 'x', padded)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('decodeBase64Transient decodes (or refuses) exactly as decodeBase64 does, into a reused buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (blobs, cut) => {
          for (const bytes of blobs) {
            let text = Buffer.from(bytes).toString('base64');
            if (cut % 5 === 0) text = text.slice(0, Math.max(0, text.length - 1 - (cut % 3)));
            expect(outcome(() => decodeBase64Transient(text, 'x'))).toEqual(
              outcome(() => decodeBase64(text, 'x')),
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
    const first = decodeBase64Transient('AAECAwQF', 'x');
    expect([...first]).toEqual([0, 1, 2, 3, 4, 5]);
    decodeBase64Transient('/////w==', 'x');
    expect([...first.subarray(0, 4)]).toEqual([255, 255, 255, 255]); // overwritten: read at once
  });

  it('decodeBase64Into writes what decodeBase64 returns, or -1 for text it would normalise, refuse, or that does not fit', () => {
    const out = new Uint8Array(60);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70 }),
        fc.array(fc.tuple(fc.nat(), b64Chars, fc.boolean()), { maxLength: 2 }),
        (bytes, edits) => {
          let text = Buffer.from(bytes).toString('base64');
          for (const [at, ch, insert] of edits) {
            const i = text.length === 0 ? 0 : at % text.length;
            text = text.slice(0, i) + ch + text.slice(insert ? i : i + 1);
          }
          const n = decodeBase64Into(text, out);
          const plain = outcome(() => decodeBase64(text, 'x'));
          if (n >= 0) expect(plain).toEqual({ bytes: [...out.subarray(0, n)] });
          else if ('bytes' in plain && plain.bytes.length <= out.length)
            expect(/[\r\n]/.test(text)).toBe(true); // only a line break needs normalising
        },
      ),
      { numRuns: 3000 },
    );
    expect(decodeBase64Into('AAECAwQF', new Uint8Array(5))).toBe(-1);
    expect(decodeBase64Into('AAECAwQF', out)).toBe(6);
  });

  it('decodeBase64 returns a plain Uint8Array that owns its memory', () => {
    const out = decodeBase64('AAECAwQF', 'x');
    expect(out.constructor).toBe(Uint8Array);
    expect(out.buffer.byteLength).toBe(out.length);
  });

  it('fromHex on random strings of hex-ish characters', () => {
    const hexChars = fc.constantFrom(...'0123456789abcdefABCDEFgG xé'.split(''));
    fc.assert(
      fc.property(fc.array(hexChars, { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        expect(outcome(() => fromHex(text, 'x'))).toEqual(outcome(() => referenceHex(text, 'x')));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (bytes, upper) => {
        const text = Buffer.from(bytes).toString('hex');
        expect(fromHex(upper ? text.toUpperCase() : text, 'x')).toEqual(bytes);
      }),
    );
  });

  it('hashToBase32 is RFC 4648 base32 without padding, and hashFromBase32 inverts it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (hash) => {
        const text = hashToBase32(hash);
        expect(text).toBe(referenceBase32(hash));
        expect(hashFromBase32(text)).toEqual(hash);
      }),
      { numRuns: 2000 },
    );
    expect(hashToBase32(new Uint8Array(32).fill(0xff))).toBe('7'.repeat(51) + 'Q');
  });

  it('toHex on arrays and on views into larger buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(10), fc.nat(10), (bytes, a, b) => {
        const ref = Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
        expect(toHex(bytes)).toBe(ref);
        const start = Math.min(a, bytes.length);
        const end = Math.max(start, bytes.length - b);
        expect(toHex(bytes.subarray(start, end))).toBe(ref.slice(2 * start, 2 * end));
      }),
    );
  });
});
