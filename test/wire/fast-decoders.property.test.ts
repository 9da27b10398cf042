import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TlockError, decodeBase64 } from '../../src/index.js';
import { fromHex } from '../../src/wire/bytes.js';

/*
 * decodeBase64 and fromHex decode the common input in one hand-written pass. These references
 * are the straightforward regex + Buffer versions they replaced; the fast code must give the
 * same bytes, or the same error code and message, for every input.
 */

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
});
