import type { CompactableStore } from '../authority/store.js';
import { TlockError } from '../errors.js';
import { type AUM, aumParent } from '../model/aum.js';
import { toHex } from '../wire/bytes.js';
import { type AumRow, type AumRowReads, AumRows } from './aum-rows.js';
import type { SqlClient } from './sql-client.js';
import { RowStore } from './row-store.js';
import { prepareBatch, requireHash } from './store-contract.js';

/** The tailnet as a transaction found it under the lock: what it stages its writes over. */
export interface CommittedRows {
  rows: AumRows;
  hint: Uint8Array | undefined;
}

const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * One write transaction on a tailnet's rows, under its write lock (PostgresStore.transaction):
 * its `aums` read the rows committed before the lock plus this transaction's own writes, and
 * write to the database in the transaction. What it writes reaches the PostgresStore, and so its
 * readers, only once the transaction has committed (`staged`), so nobody reads a write that
 * may yet be rolled back.
 */
export class PostgresTransaction implements AumRowReads {
  readonly aums: CompactableStore;
  readonly #base: CommittedRows;
  readonly #added = new AumRows();
  /** Committed rows purged by this transaction: hash by hex hash. */
  readonly #removed = new Map<string, Uint8Array>();
  #cleared = false;
  #hint: { value: Uint8Array | undefined } | undefined;
  #revision: number | undefined;

  constructor(
    readonly tailnet: string,
    base: CommittedRows,
    /** The transaction's connection, for the other rows written with the AUMs (settings, signatures). */
    readonly client: SqlClient,
    private readonly clock: () => number,
  ) {
    this.#base = base;
    this.aums = new TransactionAums(this);
  }

  /**
   * Creates the tailnet's row if there is none and bumps its revision, once per transaction;
   * every row this transaction writes carries that revision. Call before writing.
   */
  async writing(): Promise<number> {
    if (this.#revision === undefined) {
      const r = await this.client.query<{ revision: string }>(
        `INSERT INTO tlock_tailnets AS t (name, revision) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET revision = t.revision + 1 RETURNING revision`,
        [this.tailnet],
      );
      this.#revision = Number(r.rows[0]!.revision);
    }
    return this.#revision;
  }

  /** What this transaction wrote, for the store to take on after the commit; undefined if nothing. */
  staged():
    | {
        revision: number;
        cleared: boolean;
        added: AumRows;
        removed: Iterable<Uint8Array>;
        hint?: { value: Uint8Array | undefined };
      }
    | undefined {
    if (this.#revision === undefined) return undefined;
    const out = {
      revision: this.#revision,
      cleared: this.#cleared,
      added: this.#added,
      removed: this.#removed.values(),
    };
    return this.#hint === undefined ? out : { ...out, hint: this.#hint };
  }

  /** Deletes every AUM of the tailnet and its last-active-ancestor (before Tailnet Lock starts anew). */
  async reset(): Promise<void> {
    const revision = await this.writing();
    await this.client.query('DELETE FROM tlock_aums WHERE tailnet = $1', [this.tailnet]);
    await this.client.query(
      'UPDATE tlock_tailnets SET reset_revision = $2, last_active_ancestor = NULL WHERE name = $1',
      [this.tailnet, revision],
    );
    this.#cleared = true;
    this.#removed.clear();
    for (const row of [...this.#added.rows()]) this.#added.delete(row.hash);
    this.#hint = { value: undefined };
  }

  // ---- reads: the committed rows, then this transaction's writes

  get(hash: Uint8Array): AumRow | undefined {
    const hex = toHex(hash);
    if (this.#removed.has(hex)) return undefined;
    return this.#added.get(hash) ?? (this.#cleared ? undefined : this.#base.rows.get(hash));
  }

  children(hash: Uint8Array): AumRow[] {
    const added = this.#added.children(hash);
    if (this.#cleared) return added;
    const base = this.#base.rows.children(hash).filter((r) => !this.#removed.has(toHex(r.hash)));
    return added.length === 0 ? base : [...base, ...added];
  }

  heads(): AumRow[] {
    if (!this.#cleared && this.#added.size === 0 && this.#removed.size === 0) return this.#base.rows.heads();
    return this.rows().filter((r) => this.children(r.hash).length === 0);
  }

  rows(): AumRow[] {
    const base = this.#cleared
      ? []
      : [...this.#base.rows.rows()].filter((r) => !this.#removed.has(toHex(r.hash)));
    return [...base, ...this.#added.rows()];
  }

  hint(): Uint8Array | undefined {
    return this.#hint === undefined ? this.#base.hint : this.#hint.value;
  }

  // ---- writes

  async commit(aums: AUM[]): Promise<void> {
    const fresh = prepareBatch(aums, 'PostgresStore.commit').filter((b) => this.get(b.hash) === undefined);
    if (fresh.length === 0) return;
    const revision = await this.writing();
    // A row purged earlier comes back with its first commit time (as Tailscale's files do).
    const r = await this.client.query<{ hash: Buffer; committed_at: Date }>(
      `INSERT INTO tlock_aums AS a (tailnet, hash, parent, aum, committed_at, revision)
       SELECT $1, t.hash, t.parent, t.aum, $5, $6
       FROM unnest($2::bytea[], $3::bytea[], $4::bytea[]) AS t (hash, parent, aum)
       ON CONFLICT (tailnet, hash) DO UPDATE SET purged_at = NULL, revision = EXCLUDED.revision
       RETURNING hash, committed_at`,
      [
        this.tailnet,
        fresh.map((b) => buffer(b.hash)),
        fresh.map((b) => {
          const parent = aumParent(b.aum);
          return parent === undefined ? null : buffer(parent);
        }),
        fresh.map((b) => buffer(b.bytes)),
        new Date(this.clock()),
        revision,
      ],
    );
    const times = new Map(r.rows.map((row) => [row.hash.toString('hex'), row.committed_at.getTime()]));
    for (const { hash, aum } of fresh) {
      const hex = toHex(hash);
      const committedAt = times.get(hex);
      if (committedAt === undefined)
        throw new TlockError('STORAGE', `tailnet ${this.tailnet}: the row of an AUM just written is missing`);
      this.#removed.delete(hex);
      this.#added.put({ aum, hash, committedAt });
    }
  }

  async setLastActiveAncestor(hash: Uint8Array): Promise<void> {
    const value = requireHash(hash, 'PostgresStore.setLastActiveAncestor: hash').slice();
    await this.writing();
    await this.client.query('UPDATE tlock_tailnets SET last_active_ancestor = $2 WHERE name = $1', [
      this.tailnet,
      buffer(value),
    ]);
    this.#hint = { value };
  }

  async purge(hashes: Uint8Array[]): Promise<void> {
    if (!Array.isArray(hashes)) {
      throw new TlockError('INVALID_ARGUMENT', 'PostgresStore.purge: hashes: expected an array of hashes');
    }
    const live = hashes
      .map((h, i) => requireHash(h, `PostgresStore.purge: hashes[${i}]`))
      .filter((h) => this.get(h) !== undefined);
    if (live.length === 0) return;
    const revision = await this.writing();
    await this.client.query(
      `UPDATE tlock_aums SET purged_at = $3, revision = $4
       WHERE tailnet = $1 AND hash = ANY ($2::bytea[]) AND purged_at IS NULL`,
      [this.tailnet, live.map(buffer), new Date(this.clock()), revision],
    );
    for (const h of live) {
      this.#added.delete(h);
      if (!this.#cleared && this.#base.rows.get(h) !== undefined) this.#removed.set(toHex(h), h.slice());
    }
  }
}

/** A transaction's AUMs as an AumStore (what the authority informs inside a write). */
class TransactionAums extends RowStore {
  constructor(private readonly tx: PostgresTransaction) {
    super();
  }

  protected rowReads(): AumRowReads {
    return this.tx;
  }

  protected hint(): Uint8Array | undefined {
    return this.tx.hint();
  }

  commit(aums: AUM[]): Promise<void> {
    return this.tx.commit(aums);
  }

  setLastActiveAncestor(hash: Uint8Array): Promise<void> {
    return this.tx.setLastActiveAncestor(hash);
  }

  purge(hashes: Uint8Array[]): Promise<void> {
    return this.tx.purge(hashes);
  }
}
