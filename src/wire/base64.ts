import { TlockError } from '../errors.js';

/*
 * Base64 as Go's encoding/base64 reads it: StdEncoding (padded) for []byte in JSON and
 * netmaps, RawStdEncoding (unpadded) in wrapped auth keys. Like Go, unused low bits in the last
 * character are ignored and CR/LF are skipped; anything else outside the alphabet is an error.
 */

const STD = /^[A-Za-z0-9+/]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
/** Character code → 6-bit value, or -1 outside the alphabet. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64(bytes: Uint8Array, padded = true): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return padded ? s : s.replace(/=+$/, '');
}

export function decodeBase64(text: string, what: string, padded = true): Uint8Array {
  if (typeof text !== 'string') throw new TlockError('INVALID_ARGUMENT', `${what}: expected a base64 string`);
  return decodeWellFormed(text, padded, undefined) ?? decodeChecked(text, what, padded);
}

let scratch = new Uint8Array(1024);

/**
 * decodeBase64 (padded) into a buffer shared by every call: the result is valid until the next
 * call, for a caller that reads it at once and keeps nothing that points into it. Saves an
 * allocation per netmap peer (typed arrays over 64 bytes are allocated outside the JS heap,
 * ~0.6 µs each here).
 */
export function decodeBase64Transient(text: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new TlockError('INVALID_ARGUMENT', `${what}: expected a base64 string`);
  const needed = (text.length >> 2) * 3;
  if (scratch.length < needed) scratch = new Uint8Array(2 * needed);
  return decodeWellFormed(text, true, scratch) ?? decodeChecked(text, what, true);
}

/**
 * decodeBase64 (padded) of text that needs no normalisation, into `out` from its start: the
 * number of bytes written, or -1 when the text is anything else (`decodeBase64` would normalise
 * or refuse it) or `out` is too short. Allocates nothing: for the canonical Direct signature
 * fast path (src/signing/canonical-direct.ts), which reads the bytes in place.
 */
export function decodeBase64Into(text: string, out: Uint8Array): number {
  const end = wellFormedEnd(text, true);
  if (end < 0 || decodedLength(end) > out.length) return -1;
  return decodeSextets(text, end, out);
}

/**
 * One pass that decodes input needing no normalisation (no CR/LF, padding exactly where the
 * encoding puts it), into `into` when given (large enough), and returns undefined for anything
 * else, which `decodeChecked` then decodes or refuses with the reason. Netmaps carry one
 * signature per peer, so this is the common path.
 */
function decodeWellFormed(
  text: string,
  padded: boolean,
  into: Uint8Array | undefined,
): Uint8Array | undefined {
  const end = wellFormedEnd(text, padded);
  if (end < 0) return undefined;
  const length = decodedLength(end);
  const out = into === undefined ? new Uint8Array(length) : into.subarray(0, length);
  return decodeSextets(text, end, out) < 0 ? undefined : out;
}

/** Where the characters to decode end (padding cut off), or -1 when the length cannot be base64. */
function wellFormedEnd(text: string, padded: boolean): number {
  let end = text.length;
  if (padded) {
    if (end % 4 !== 0) return -1;
    if (end > 0 && text.charCodeAt(end - 1) === PAD) end -= text.charCodeAt(end - 2) === PAD ? 2 : 1;
  }
  return end % 4 === 1 ? -1 : end;
}

/** The number of bytes `end` base64 characters decode to. */
function decodedLength(end: number): number {
  const tail = end % 4;
  return ((end - tail) / 4) * 3 + (tail === 0 ? 0 : tail - 1);
}

/** Decodes text[0, end) into `out` (large enough): the bytes written, or -1 at a character outside the alphabet. */
function decodeSextets(text: string, end: number, out: Uint8Array): number {
  const tail = end % 4;
  let o = 0;
  let i = 0;
  for (; i + 4 <= end; i += 4) {
    const n =
      (sextet(text, i) << 18) |
      (sextet(text, i + 1) << 12) |
      (sextet(text, i + 2) << 6) |
      sextet(text, i + 3);
    if (n < 0) return -1;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (tail >= 2) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = tail === 3 ? sextet(text, i + 2) : 0;
    if ((a | b | c) < 0) return -1;
    out[o++] = (a << 2) | (b >> 4);
    if (tail === 3) out[o++] = ((b & 15) << 4) | (c >> 2);
  }
  return o;
}

/** The 6-bit value of the character at `i`, or a negative number (which poisons an OR) outside the alphabet. */
function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? VALUE[c]! : -1;
}

function decodeChecked(text: string, what: string, padded: boolean): Uint8Array {
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
  if (!STD.test(s)) throw new TlockError('DECODE', `${what}: not standard base64 (A-Z, a-z, 0-9, +, /)`);
  if (s.length % 4 === 1) throw new TlockError('DECODE', `${what}: base64 is truncated`);
  const buf = Buffer.from(s, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
}
