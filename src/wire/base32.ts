import { TlockError } from '../errors.js';
import { requireBytes } from './bytes.js';

// AUM hash text: RFC 4648 base32, standard alphabet, upper case, no padding (52 characters).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Every 10-bit group as its two base32 characters. */
const PAIRS: string[] = [];
for (let i = 0; i < 1024; i++) PAIRS.push(ALPHABET[i >> 5]! + ALPHABET[i & 31]!);

export function hashToBase32(hash: Uint8Array): string {
  const h = requireBytes(hash, 'hashToBase32: hash', 32);
  let out = '';
  // Six groups of 5 bytes (40 bits, 8 characters), then 2 bytes padded with 4 zero bits.
  for (let i = 0; i < 30; i += 5) {
    const hi = (h[i]! << 12) | (h[i + 1]! << 4) | (h[i + 2]! >> 4);
    const lo = ((h[i + 2]! & 15) << 16) | (h[i + 3]! << 8) | h[i + 4]!;
    out += PAIRS[hi >> 10]! + PAIRS[hi & 1023]! + PAIRS[lo >> 10]! + PAIRS[lo & 1023]!;
  }
  const last = ((h[30]! << 8) | h[31]!) << 4;
  return out + PAIRS[last >> 10]! + PAIRS[last & 1023]!;
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
    const v = ALPHABET.indexOf(text[i]!);
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
