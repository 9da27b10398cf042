import { type AUM, aumHash } from '../model/aum.js';
import { type AumStore, IN_PLACE_READS, type InPlaceReads, type StoredAUM } from './store.js';

export type { StoredAUM } from './store.js';

/** A value, or a promise of one: what a chain read returns (see ChainReads). */
export type Awaitable<T> = T | Promise<T>;

/**
 * How the authority reads a store: stored AUMs with their hashes. What it reads this way it never
 * changes and never hands out (a caller gets `cloneAUM` of it), so a store's own objects will do.
 * Reads from a store's in-place reads answer at once, not in a promise: a walk over a 1 000-AUM
 * chain then takes no trip through the microtask queue per step (`settled` tells them apart).
 */
export interface ChainReads {
  get(hash: Uint8Array): Awaitable<StoredAUM | undefined>;
  children(hash: Uint8Array): Awaitable<StoredAUM[]>;
  heads(): Awaitable<StoredAUM[]>;
}

/** Whether a read answered at once (in-place reads) rather than in a promise. */
export function settled<T>(read: Awaitable<T>): read is T {
  return !(read instanceof Promise);
}

/**
 * The store's in-place reads when it offers them (MemoryStore, FileStore: no copies, hashes as
 * stored, answers at once), else its copying methods with each AUM hashed as it arrives: a store
 * of someone else's making may hand out anything, so the hash is always that of what was read.
 */
export function chainReads(store: AumStore): ChainReads {
  const inPlace = (store as { [IN_PLACE_READS]?: InPlaceReads })[IN_PLACE_READS];
  if (inPlace !== undefined) return inPlace;
  const withHash = (aum: AUM): StoredAUM => ({ aum, hash: aumHash(aum) });
  return {
    get: async (hash) => {
      const aum = await store.get(hash);
      return aum === undefined ? undefined : withHash(aum);
    },
    children: async (hash) => (await store.children(hash)).map(withHash),
    heads: async () => (await store.heads()).map(withHash),
  };
}
