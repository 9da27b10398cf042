import type { AumStore } from '../authority/store.js';

/*
 * What the coordination server keeps for one tailnet, behind a small interface so that another
 * backend (PostgreSQL, for many tailnets and several server replicas) can replace the files.
 * Every value handed in has been verified by the server; the store only keeps it.
 */

/** The tailnet's Tailnet Lock settings beside its chain. */
export interface TailnetSettings {
  /** Tailnet Lock was turned off with a valid disablement secret. */
  disabled: boolean;
  /** The secret that disabled it, handed to nodes by bootstrap so they can check it and stop. */
  disablementSecret?: Uint8Array;
  /** A disablement secret the admin gave to the operator at init ("support disablement"). */
  supportDisablement?: Uint8Array;
}

/** A stored node-key signature and the trusted key that authorised it. */
export interface StoredSignature {
  nodeKey: Uint8Array;
  signature: Uint8Array;
  keyID: Uint8Array;
}

export interface TailnetStore {
  /** The tailnet's AUMs. */
  readonly aums: AumStore;
  /**
   * Runs `fn` while no other write to this tailnet runs: in this process, and for a store shared
   * by several server processes, in every one of them.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  settings(): Promise<TailnetSettings>;
  /** Replaces the settings durably (atomically). */
  saveSettings(settings: TailnetSettings): Promise<void>;
  /** The newest signature kept for a node key (32 bytes), if any. */
  signature(nodeKey: Uint8Array): Promise<StoredSignature | undefined>;
  /** Keeps `sig` as the newest signature for its node key, durably (atomically). */
  putSignature(sig: StoredSignature): Promise<void>;
  /** Every kept signature authorised by the trusted key `keyID`. */
  signaturesByKey(keyID: Uint8Array): Promise<StoredSignature[]>;
  /** Forgets the chain, the signatures and the settings (before Tailnet Lock is turned on anew). */
  reset(): Promise<void>;
}

/** Where the server finds each tailnet's store. */
export interface TailnetStores {
  /**
   * The store of `tailnet` (a name checked by the server); with `create: false`, undefined if
   * nothing was ever stored for it, so that requests for unknown tailnets leave no trace.
   */
  open(tailnet: string, opts: { create: boolean }): Promise<TailnetStore | undefined>;
}
