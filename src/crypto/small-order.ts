import { bytesEqual } from '../wire/bytes.js';

/*
 * The 14 byte strings that decode, under ZIP-215 (non-canonical y and "negative zero" x
 * accepted), to a point of small order: the 8 canonical encodings of the 8 small-order points,
 * the sign-bit-set forms of the two with x = 0, and y + p (sign bit 0 or 1) for y = 0 and y = 1,
 * the only small-order y values below 19. A small-order point has one of five y values mod p,
 * so nothing else decodes to one; test/crypto/small-order.test.ts checks every candidate
 * encoding against @noble/ed25519's decoder. A table lookup instead of a point decompression
 * (~150 µs) lets signing and rotation checks refuse these keys (docs/FORMAT.md §11) at no cost.
 */
const ENCODINGS = [
  // canonical
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  // x = 0 with the sign bit set
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  // y + p for y = 0 and y = 1
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
].map((hex) => new Uint8Array(Buffer.from(hex, 'hex')));

/** The ZIP-215 encodings of small-order points (copies). */
export function smallOrderEncodings(): Uint8Array[] {
  return ENCODINGS.map((e) => e.slice());
}

/** Whether 32 bytes decode (ZIP-215) to a point of small order: `weakPublicKeyReason(pub) === 'small-order'`. */
export function isSmallOrderEncoding(pub: Uint8Array): boolean {
  if (pub.length !== 32) return false;
  for (const e of ENCODINGS) if (e[0] === pub[0] && bytesEqual(e, pub)) return true;
  return false;
}
