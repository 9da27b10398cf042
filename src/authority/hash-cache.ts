import { aumHash } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { toHex } from '../wire/bytes.js';

/*
 * AUM hashes, computed once per AUM object. Only for AUMs a store handed out (or the store
 * registered when it took a copy): those are treated as immutable, so their hash cannot go stale.
 * AUMs from callers (a batch given to `inform`) are hashed afresh, because callers may mutate them.
 */

interface HashEntry {
  readonly hash: Uint8Array;
  /** Computed when first asked for: most AUMs a store hands out are never looked up by hex. */
  hex?: string;
}

const memo = new WeakMap<AUM, HashEntry>();

function entryOf(aum: AUM): HashEntry {
  let e = memo.get(aum);
  if (e === undefined) {
    e = { hash: aumHash(aum) };
    memo.set(aum, e);
  }
  return e;
}

/** The hash of a stored (immutable) AUM. Do not mutate the returned bytes. */
export function storedHash(aum: AUM): Uint8Array {
  return entryOf(aum).hash;
}

/** The hash of a stored (immutable) AUM, as lower-case hex (a Map key). */
export function storedHex(aum: AUM): string {
  const e = entryOf(aum);
  return (e.hex ??= toHex(e.hash));
}

/** Whether the hash of this AUM is remembered already. */
export function hasStoredHash(aum: AUM): boolean {
  return memo.has(aum);
}

/** Lets a store record the hash it already computed for the immutable copy it keeps. */
export function rememberHash(aum: AUM, hash: Uint8Array): void {
  memo.set(aum, { hash });
}
