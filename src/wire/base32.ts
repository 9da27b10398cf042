import { TlockError } from '../errors.js';
import { requireBytes } from './bytes.js';

// AUM hash text: RFC 4648 base32, standard alphabet, upper case, no padding (52 characters).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Each character's code, and each code's value (-1: not in the alphabet). */
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const VALUES = new Int8Array(128).fill(-1);
CODES.forEach((code, v) => (VALUES[code] = v));

/**
 * The text of the hash being converted, read out as one flat string: no chain of concatenations
 * to allocate and flatten (chain walks turn a hash to text at every step). Conversion is
 * synchronous, so callers never interleave.
 */
const TEXT = Buffer.alloc(52);

/** Writes the four characters of a 20-bit group at `at`. */
function putGroup(bits20: number, at: number): void {
  TEXT[at] = CODES[bits20 >>> 15]!;
  TEXT[at + 1] = CODES[(bits20 >>> 10) & 31]!;
  TEXT[at + 2] = CODES[(bits20 >>> 5) & 31]!;
  TEXT[at + 3] = CODES[bits20 & 31]!;
}

export function hashToBase32(hash: Uint8Array): string {
  const h = requireBytes(hash, 'hashToBase32: hash', 32);
  // Six groups of 5 bytes (40 bits, 8 characters), then 2 bytes padded with 4 zero bits.
  for (let i = 0, at = 0; i < 30; i += 5, at += 8) {
    putGroup((h[i]! << 12) | (h[i + 1]! << 4) | (h[i + 2]! >> 4), at);
    putGroup(((h[i + 2]! & 15) << 16) | (h[i + 3]! << 8) | h[i + 4]!, at + 4);
  }
  putGroup(((h[30]! << 8) | h[31]!) << 4, 48);
  return TEXT.toString('latin1', 0, 52);
}

/**
 * Parses a 52-character AUM hash. Stricter than Go in one way: the 4 unused low bits of the
 * last character must be zero, so that every hash has exactly one text form.
 */
export function hashFromBase32(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TlockError('INVALID_ARGUMENT', 'hashFromBase32: expected a string');
  if (text.length !== 52) {
    throw new TlockError('DECODE', `AUM hash: expected 52 base32 characters, got ${text.length}`);
  }
  const out = new Uint8Array(32);
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? VALUES[code]! : -1;
    if (v < 0) {
      throw new TlockError(
        'DECODE',
        `AUM hash: character ${i + 1} (${JSON.stringify(text[i])}) is not upper-case base32 (A-Z, 2-7)`,
      );
    }
    value = ((value << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) {
    throw new TlockError(
      'DECODE',
      'AUM hash: the last character has non-zero unused bits; this is not the text of any hash',
    );
  }
  return out;
}
