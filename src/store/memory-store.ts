import { TlockError } from '../errors.js';
import { type AUM, aumParent } from '../model/aum.js';
import { fromHex, toHex } from '../wire/bytes.js';
import {
  type CompactableStore,
  IN_PLACE_READS,
  type InPlaceReads,
  type StoredAUM,
} from '../authority/store.js';
import { handOut, prepareBatch, requireHash, settle } from './store-contract.js';

/** A stored AUM with its hash (handed to in-place reads as it is) and its first commit time. */
interface Entry extends StoredAUM {
  readonly committedAt: number;
}

/**
 * An in-memory AUM store (Tailscale's Mem). AUMs are copied on commit and on the way out, so
 * callers can never change what is stored. `clock` (ms since the epoch) gives commit times,
 * for compaction tests.
 */
export class MemoryStore implements CompactableStore {
  readonly #aums = new Map<string, Entry>();
  /** parent → children, by hex hash. Entries outlive a purged parent (its children stay findable). */
  readonly #children = new Map<string, string[]>();
  #lastActiveAncestor: Uint8Array | undefined;
  readonly #clock: () => number;

  constructor(opts: { clock?: () => number } = {}) {
    this.#clock = opts.clock ?? Date.now;
  }

  /** For the authority's chain walks only (src/authority/store.ts): the stored AUMs themselves. */
  readonly [IN_PLACE_READS]: InPlaceReads = {
    get: (hash) => this.#aums.get(toHex(hash)),
    children: (hash) => this.#childEntries(toHex(hash)),
    heads: () => this.#headEntries(),
  };

  get(hash: Uint8Array): Promise<AUM | undefined> {
    return settle(() => {
      const e = this.#aums.get(toHex(requireHash(hash, 'MemoryStore.get: hash')));
      return e === undefined ? undefined : handOut(e.aum);
    });
  }

  children(hash: Uint8Array): Promise<AUM[]> {
    return settle(() => this.#childrenOf(hash));
  }

  #childrenOf(hash: Uint8Array): AUM[] {
    return this.#childEntries(toHex(requireHash(hash, 'MemoryStore.children: hash'))).map((e) =>
      handOut(e.aum),
    );
  }

  #childEntries(hex: string): Entry[] {
    const out: Entry[] = [];
    for (const k of this.#children.get(hex) ?? []) {
      const e = this.#aums.get(k);
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  heads(): Promise<AUM[]> {
    return Promise.resolve(this.#headEntries().map((e) => handOut(e.aum)));
  }

  #headEntries(): Entry[] {
    const out: Entry[] = [];
    for (const [hex, e] of this.#aums) {
      if (!(this.#children.get(hex) ?? []).some((k) => this.#aums.has(k))) out.push(e);
    }
    return out;
  }

  commit(aums: AUM[]): Promise<void> {
    return settle(() => this.#commit(aums));
  }

  #commit(aums: AUM[]): void {
    // Copy and hash everything first, so a malformed AUM leaves the store untouched.
    const batch = prepareBatch(aums, 'MemoryStore.commit');
    const now = this.#clock();
    for (const { hash, aum } of batch) {
      const hex = toHex(hash);
      // The first commit time of a live AUM is kept (as Tailscale's FS does).
      const existing = this.#aums.get(hex);
      this.#aums.set(hex, existing ?? { aum, hash, committedAt: now });
      const parent = aumParent(aum);
      if (parent === undefined) continue;
      const p = toHex(parent);
      const kids = this.#children.get(p) ?? [];
      if (!kids.includes(hex)) kids.push(hex);
      this.#children.set(p, kids);
    }
  }

  lastActiveAncestor(): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.#lastActiveAncestor?.slice());
  }

  setLastActiveAncestor(hash: Uint8Array): Promise<void> {
    return settle(() => {
      this.#lastActiveAncestor = requireHash(hash, 'MemoryStore.setLastActiveAncestor: hash').slice();
    });
  }

  allAUMs(): Promise<Uint8Array[]> {
    return Promise.resolve([...this.#aums.keys()].map((hex) => fromHex(hex)));
  }

  commitTime(hash: Uint8Array): Promise<number | undefined> {
    return settle(
      () => this.#aums.get(toHex(requireHash(hash, 'MemoryStore.commitTime: hash')))?.committedAt,
    );
  }

  purge(hashes: Uint8Array[]): Promise<void> {
    return settle(() => this.#purge(hashes));
  }

  #purge(hashes: Uint8Array[]): void {
    if (!Array.isArray(hashes))
      throw new TlockError('INVALID_ARGUMENT', 'MemoryStore.purge: expected an array of hashes');
    // Check every hash first, so a bad one purges nothing.
    const hexes = hashes.map((h) => toHex(requireHash(h, 'MemoryStore.purge: hash')));
    for (const hex of hexes) {
      const e = this.#aums.get(hex);
      if (e === undefined) continue;
      this.#aums.delete(hex);
      const parent = aumParent(e.aum);
      if (parent === undefined) continue;
      const p = toHex(parent);
      const kids = (this.#children.get(p) ?? []).filter((k) => k !== hex);
      this.#children.set(p, kids);
    }
  }
}
