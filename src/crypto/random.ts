import { randomBytes as nodeRandomBytes } from 'node:crypto';

/** Randomness for keys, secrets and state IDs: node:crypto only. */
export function randomBytes(n: number): Uint8Array {
  const b = nodeRandomBytes(n);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A random 64-bit unsigned integer (state IDs). */
export function randomUint64(): bigint {
  const b = randomBytes(8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}
