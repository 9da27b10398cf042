import { timingSafeEqual } from 'node:crypto';

/** Compares secrets (or values derived from them) without leaking where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
