import type { AumStore } from '../authority/store.js';
import { type AUM, aumHash } from '../model/aum.js';
import { toHex } from '../wire/bytes.js';
import { MemoryStore } from './memory-store.js';

/**
 * A trial view of a store: reads see the base store's AUMs and those committed to the overlay;
 * commits stay in memory and the base store is never written. For trying what an `inform` would
 * do (which chain fork resolution picks) before deciding to do it.
 */
export class OverlayStore implements AumStore {
  readonly #base: AumStore;
  readonly #added = new MemoryStore();
  #hint: Uint8Array | undefined;

  constructor(base: AumStore) {
    this.#base = base;
  }

  async get(hash: Uint8Array): Promise<AUM | undefined> {
    return (await this.#added.get(hash)) ?? this.#base.get(hash);
  }

  async children(hash: Uint8Array): Promise<AUM[]> {
    const [added, base] = await Promise.all([this.#added.children(hash), this.#base.children(hash)]);
    const seen = new Set(base.map((a) => toHex(aumHash(a))));
    return [...base, ...added.filter((a) => !seen.has(toHex(aumHash(a))))];
  }

  /** The base's heads the overlay has not extended, and the overlay's own heads. */
  async heads(): Promise<AUM[]> {
    const out: AUM[] = [];
    for (const h of await this.#base.heads()) {
      if ((await this.#added.children(aumHash(h))).length === 0) out.push(h);
    }
    return [...out, ...(await this.#added.heads())];
  }

  commit(aums: AUM[]): Promise<void> {
    return this.#added.commit(aums);
  }

  async lastActiveAncestor(): Promise<Uint8Array | undefined> {
    return this.#hint?.slice() ?? this.#base.lastActiveAncestor();
  }

  setLastActiveAncestor(hash: Uint8Array): Promise<void> {
    this.#hint = hash.slice();
    return Promise.resolve();
  }
}
