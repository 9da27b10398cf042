import { type AUM, aumHash } from '../model/aum.js';
import { type AumStore, IN_PLACE_READS, type InPlaceReads, type StoredAUM } from './store.js';

export type { StoredAUM } from './store.js';

/**
 * How the authority reads a store: stored AUMs with their hashes. What it reads this way it never
 * changes and never hands out (a caller gets `cloneAUM` of it), so a store's own objects will do.
 */
export interface ChainReads {
  get(hash: Uint8Array): Promise<StoredAUM | undefined>;
  children(hash: Uint8Array): Promise<StoredAUM[]>;
  heads(): Promise<StoredAUM[]>;
}

/**
 * The store's in-place reads when it offers them (MemoryStore, FileStore: no copies, hashes as
 * stored), else its copying methods with each AUM hashed as it arrives: a store of someone
 * else's making may hand out anything, so the hash is always that of what was read.
 */
export function chainReads(store: AumStore): ChainReads {
  const inPlace = (store as { [IN_PLACE_READS]?: InPlaceReads })[IN_PLACE_READS];
  if (inPlace !== undefined) {
    return {
      get: (hash) => Promise.resolve(inPlace.get(hash)),
      children: (hash) => Promise.resolve(inPlace.children(hash)),
      heads: () => Promise.resolve(inPlace.heads()),
    };
  }
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
