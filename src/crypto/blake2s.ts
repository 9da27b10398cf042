import { hash } from 'node:crypto';

/**
 * BLAKE2s-256 (node:crypto: several times faster than a JS implementation; the one-shot `hash`
 * skips the Hash object and is about twice as fast as createHash for AUM-sized inputs). The
 * digest comes back as a latin1 ("binary") string (one character per byte) and is copied into a small
 * array on the JS heap: twice as fast again as asking for a Buffer, whose memory lives outside
 * the heap and costs the garbage collector (opening a chain hashes every AUM).
 */
export function blake2s256(data: Uint8Array): Uint8Array {
  return blake2s256Into(data, new Uint8Array(32));
}

/** blake2s256 into the first 32 bytes of `out` (for a caller that reuses one buffer); returns `out`. */
export function blake2s256Into(data: Uint8Array, out: Uint8Array): Uint8Array {
  const digest = hash('blake2s256', data, 'binary'); // 'binary' is Node's name for latin1
  for (let i = 0; i < 32; i++) out[i] = digest.charCodeAt(i);
  return out;
}
