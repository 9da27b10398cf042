import {
  type CompactableStore,
  IN_PLACE_READS,
  type InPlaceReads,
  type StoredAUM,
} from '../authority/store.js';
import type { AUM } from '../model/aum.js';
import type { AumRow, AumRowReads } from './aum-rows.js';
import { handOut, requireHash, settle } from './store-contract.js';

const stored = (r: AumRow): StoredAUM => r;

/**
 * The reads of an AumStore over rows held in memory (PostgresStore and its transactions): what
 * it shows comes from `rowReads()` and `hint()`; writing is the subclass's business.
 */
export abstract class RowStore implements CompactableStore {
  protected abstract rowReads(): AumRowReads;
  protected abstract hint(): Uint8Array | undefined;
  abstract commit(aums: AUM[]): Promise<void>;
  abstract setLastActiveAncestor(hash: Uint8Array): Promise<void>;
  abstract purge(hashes: Uint8Array[]): Promise<void>;

  /** For the authority's chain walks only (src/authority/store.ts): the rows themselves. */
  readonly [IN_PLACE_READS]: InPlaceReads = {
    get: (hash) => this.rowReads().get(hash),
    children: (hash) => this.rowReads().children(hash).map(stored),
    heads: () => this.rowReads().heads().map(stored),
  };

  get(hash: Uint8Array): Promise<AUM | undefined> {
    return settle(() => {
      const row = this.rowReads().get(requireHash(hash, 'PostgresStore.get: hash'));
      return row === undefined ? undefined : handOut(row.aum);
    });
  }

  children(hash: Uint8Array): Promise<AUM[]> {
    return settle(() =>
      this.rowReads()
        .children(requireHash(hash, 'PostgresStore.children: hash'))
        .map((r) => handOut(r.aum)),
    );
  }

  heads(): Promise<AUM[]> {
    return settle(() =>
      this.rowReads()
        .heads()
        .map((r) => handOut(r.aum)),
    );
  }

  lastActiveAncestor(): Promise<Uint8Array | undefined> {
    return settle(() => this.hint()?.slice());
  }

  allAUMs(): Promise<Uint8Array[]> {
    return settle(() => [...this.rowReads().rows()].map((r) => r.hash.slice()));
  }

  commitTime(hash: Uint8Array): Promise<number | undefined> {
    return settle(
      () => this.rowReads().get(requireHash(hash, 'PostgresStore.commitTime: hash'))?.committedAt,
    );
  }
}
