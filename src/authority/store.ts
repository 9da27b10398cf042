import type { AUM } from '../model/aum.js';

/**
 * Where an authority's AUMs live. Implementations: `MemoryStore` and `FileStore` (src/store/).
 * The store never verifies: the authority verifies every AUM before committing it.
 * Every method is async; a missing AUM is `undefined`, never an error. Errors are TlockError
 * (`STORAGE` for I/O failures and corrupt data, with the path or hash at fault in the message).
 * Hashes are the 32-byte BLAKE2s AUM hashes (`aumHash`).
 */
export interface AumStore {
  /** The stored AUM with this hash, or undefined. */
  get(hash: Uint8Array): Promise<AUM | undefined>;
  /** Every stored AUM whose parent is `hash` (in no particular order). */
  children(hash: Uint8Array): Promise<AUM[]>;
  /** Every stored AUM with no stored child: the tips of all chains and forks. */
  heads(): Promise<AUM[]>;
  /** Stores already-verified AUMs; durable when the promise resolves. Re-committing is harmless. */
  commit(aums: AUM[]): Promise<void>;
  /** The hint recorded at the last open: the oldest AUM of the active chain. */
  lastActiveAncestor(): Promise<Uint8Array | undefined>;
  setLastActiveAncestor(hash: Uint8Array): Promise<void>;
}

/** A store that compaction can prune (Tailscale's CompactableChonk). */
export interface CompactableStore extends AumStore {
  /** Hashes of every live (not purged) AUM. */
  allAUMs(): Promise<Uint8Array[]>;
  /** When the AUM was first committed (ms since the epoch), or undefined if absent or purged. */
  commitTime(hash: Uint8Array): Promise<number | undefined>;
  /** Removes AUMs from the live set. */
  purge(hashes: Uint8Array[]): Promise<void>;
}

export function isCompactableStore(store: AumStore): store is CompactableStore {
  const s = store as Partial<CompactableStore>;
  return (
    typeof s.allAUMs === 'function' && typeof s.commitTime === 'function' && typeof s.purge === 'function'
  );
}

/** An AUM as a store holds it, with its hash. Both are the store's own: read them, never change them. */
export interface StoredAUM {
  readonly aum: AUM;
  readonly hash: Uint8Array;
}

/**
 * Reads that return a store's own AUMs, with the hashes it computed when it stored them, instead
 * of copies: for the authority's chain walks (src/authority/chain-reads.ts), which neither change
 * an AUM nor let one out (callers get copies), and so need neither a copy nor a hash per read.
 * Offered by MemoryStore and FileStore under a symbol, so it is no part of the public interface;
 * any other store is read through its copying methods and each AUM hashed as it is read.
 */
export const IN_PLACE_READS = Symbol('tlock.inPlaceReads');

export interface InPlaceReads {
  get(hash: Uint8Array): StoredAUM | undefined;
  children(hash: Uint8Array): StoredAUM[];
  heads(): StoredAUM[];
}
