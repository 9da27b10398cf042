import type { AumStore } from '../authority/store.js';
import type { TailnetSettings } from '../store/tailnet-settings.js';
import type { SignInfo } from './messages.js';

export type { TailnetSettings } from '../store/tailnet-settings.js';

/*
 * What the coordination server keeps for one tailnet, behind a small interface with two
 * backends: a data directory (file-tailnet-store.ts: one server process) and PostgreSQL
 * (postgres-tailnet-store.ts: many tailnets, many server replicas on one database).
 * Every value handed in has been verified by the server; the store only keeps it.
 */

/** A stored node-key signature and the trusted key that authorised it. */
export interface StoredSignature {
  nodeKey: Uint8Array;
  signature: Uint8Array;
  keyID: Uint8Array;
}

/** One write to a tailnet, under its write lock: what it reads, and how it changes the tailnet. */
export interface TailnetWrite {
  /** The revision the write starts from: everything written before the lock, by any process. */
  readonly revision: number;
  /** The tailnet's AUMs: as committed before the lock, then this write's own. */
  readonly aums: AumStore;
  settings(): Promise<TailnetSettings>;
  /** Replaces the settings. */
  saveSettings(settings: TailnetSettings): Promise<void>;
  /** Keeps `sig` as the newest signature for its node key. */
  putSignature(sig: StoredSignature): Promise<void>;
  /** Forgets the chain, the signatures and the settings (before Tailnet Lock is turned on anew). */
  reset(): Promise<void>;
}

export interface TailnetStore {
  /** The tailnet's AUMs, as of the last `refresh` or write. */
  readonly aums: AumStore;
  /**
   * The revision as of the last `refresh` or write. Equal revisions mean equal contents; every
   * write makes a new one (a data directory, written by one process, keeps revision 0).
   */
  readonly revision: number;
  /**
   * Catches up with what other processes have written and returns the revision now held: the
   * server calls it at the start of every request, so that whatever any replica acknowledged
   * is what it answers from.
   */
  refresh(): Promise<number>;
  /** The settings, as of the last `refresh` or write. */
  settings(): Promise<TailnetSettings>;
  /** The newest signature kept for a node key (32 bytes), if any. */
  signature(nodeKey: Uint8Array): Promise<StoredSignature | undefined>;
  /** Every kept signature authorised by the trusted key `keyID`. */
  signaturesByKey(keyID: Uint8Array): Promise<StoredSignature[]>;
  /**
   * Runs `fn` while no other write to this tailnet runs, in this process and in every other one
   * sharing the store, after catching up with every earlier write. `fn` reads and writes
   * through `write`; everything it wrote is durable when this resolves, with `fn`'s value and
   * the revision after the write. When `fn` throws, PostgreSQL keeps none of its writes (a data
   * directory keeps those made before the throw, each one atomic).
   */
  exclusive<T>(fn: (write: TailnetWrite) => Promise<T>): Promise<{ value: T; revision: number }>;
}

/** An init between init/begin and init/finish, as init/finish needs it. */
export interface PendingInitRecord {
  /** The node key of the admin's machine, which alone may finish it. */
  nodeKey: Uint8Array;
  /** The genesis AUM (CBOR), verified at init/begin. */
  genesis: Uint8Array;
  /** The nodes init/finish must bring signatures for. */
  need: SignInfo[];
  /** When it lapses (ms since the epoch). */
  expires: number;
}

/** Inits in progress, one per tailnet, seen alike by every server process on the store. */
export interface PendingInits {
  get(tailnet: string): Promise<PendingInitRecord | undefined>;
  /**
   * Records `init` as the tailnet's init in progress, unless another node key's init is there
   * and has not lapsed at `now`: then nothing changes and the answer is false.
   */
  begin(tailnet: string, init: PendingInitRecord, now: number): Promise<boolean>;
  /** Forgets the tailnet's init in progress if it is still `init` (finished, or replaced: no matter). */
  end(tailnet: string, init: PendingInitRecord): Promise<void>;
}

/** Where the server finds each tailnet's store. */
export interface TailnetStores {
  /**
   * The store of `tailnet` (a name checked by the server); with `create: false`, undefined if
   * nothing was ever stored for it, so that requests for unknown tailnets leave no trace.
   */
  open(tailnet: string, opts: { create: boolean }): Promise<TailnetStore | undefined>;
  /** The inits in progress. */
  readonly inits: PendingInits;
}
