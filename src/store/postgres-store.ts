import { TlockError } from '../errors.js';
import { type AUM, readAUMHashed } from '../model/aum.js';
import { hashToBase32 } from '../wire/base32.js';
import { bytesEqual } from '../wire/bytes.js';
import { parseCbor } from '../wire/cbor.js';
import { type AumRow, type AumRowReads, AumRows } from './aum-rows.js';
import type { PostgresDatabase } from './postgres-database.js';
import type { SqlClient } from './sql-client.js';
import { PostgresTransaction } from './postgres-transaction.js';
import { RowStore } from './row-store.js';

export interface PostgresStoreOptions {
  /** Milliseconds since the epoch, for commit and purge times (tests). */
  clock?: () => number;
}

/** One row of a catch-up: the tailnet's row, and an AUM row changed since (or none). */
interface ChangeRow {
  revision: string;
  reset_revision: string;
  last_active_ancestor: Buffer | null;
  hash: Buffer | null;
  aum: Buffer | null;
  committed_at: Date | null;
  purged: boolean | null;
}

/**
 * The tailnet's row and every AUM row written after revision $2; every AUM row if the tailnet
 * was reset after it. No row at all: the tailnet has never been written.
 */
const CATCH_UP = `
  SELECT t.revision, t.reset_revision, t.last_active_ancestor,
         a.hash, a.aum, a.committed_at, a.purged_at IS NOT NULL AS purged
  FROM tlock_tailnets t
  LEFT JOIN LATERAL (
    SELECT hash, aum, committed_at, purged_at FROM tlock_aums
    WHERE tailnet = t.name AND revision > CASE WHEN t.reset_revision > $2 THEN -1 ELSE $2 END
  ) a ON true
  WHERE t.name = $1`;

/**
 * A tailnet's AUMs in PostgreSQL (docs/ARCHITECTURE.md): one row per AUM, keyed by (tailnet,
 * hash), with its parent, canonical CBOR, first commit time and purge time; the last-active-
 * ancestor in the tailnet's row. Many tailnets share one database, and many processes one tailnet.
 *
 * Reads come from the rows held in memory, as of the last catch-up: `open` reads them all, and
 * `refresh()` brings in whatever any process has committed since, in one query that returns
 * nothing when nothing changed (the server calls it at the start of every request). Each write
 * is one transaction under the tailnet's advisory lock (`transaction`), which first catches up,
 * so writers never work from a stale view; its rows reach this store's readers when it commits.
 */
export class PostgresStore extends RowStore {
  #rows = new AumRows();
  #hint: Uint8Array | undefined;
  #revision = 0;
  #exists = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #clock: () => number;

  private constructor(
    readonly database: PostgresDatabase,
    readonly tailnet: string,
    options: PostgresStoreOptions,
  ) {
    super();
    this.#clock = options.clock ?? Date.now;
  }

  /** Opens a tailnet's AUMs (reading them all); a tailnet never written to is empty. */
  static async open(
    database: PostgresDatabase,
    tailnet: string,
    options: PostgresStoreOptions = {},
  ): Promise<PostgresStore> {
    if (typeof tailnet !== 'string' || tailnet.length === 0 || tailnet.length > 256) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        'PostgresStore.open: tailnet: expected a name of 1-256 characters',
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw new TlockError('INVALID_ARGUMENT', 'PostgresStore.open: options: expected an object');
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new TlockError('INVALID_ARGUMENT', 'PostgresStore.open: options.clock: expected a function');
    }
    const store = new PostgresStore(database, tailnet, options);
    await store.refresh();
    return store;
  }

  /** The tailnet's revision as this store last read it: it changes with every committed write. */
  get revision(): number {
    return this.#revision;
  }

  /** Whether anything was ever written for this tailnet (as of the last catch-up). */
  get exists(): boolean {
    return this.#exists;
  }

  /** Catches up with every write committed by any process; returns the revision now held. */
  async refresh(): Promise<number> {
    const from = this.#revision;
    const rows = await this.database.query<ChangeRow>(`read tailnet ${this.tailnet}`, CATCH_UP, [
      this.tailnet,
      from,
    ]);
    this.#apply(rows, from);
    return this.#revision;
  }

  async #catchUp(client: SqlClient): Promise<void> {
    const from = this.#revision;
    this.#apply((await client.query<ChangeRow>(CATCH_UP, [this.tailnet, from])).rows, from);
  }

  #apply(rows: ChangeRow[], from: number): void {
    const first = rows[0];
    if (first === undefined) {
      // No tailnet row: never written (or removed by hand).
      if (this.#exists || this.#rows.size > 0) {
        this.#rows = new AumRows();
        this.#hint = undefined;
      }
      this.#revision = 0;
      this.#exists = false;
      return;
    }
    const revision = Number(first.revision);
    if (this.#exists && revision <= this.#revision) return; // another catch-up got there first
    // Every row is read before any is taken on, so a damaged one changes nothing.
    const changed = rows.filter((r) => r.hash !== null).map((r) => this.#readRow(r));
    if (Number(first.reset_revision) > from) this.#rows = new AumRows();
    for (const c of changed) {
      if (c.purged) this.#rows.delete(c.row.hash);
      else this.#rows.put(c.row);
    }
    this.#hint = first.last_active_ancestor === null ? undefined : new Uint8Array(first.last_active_ancestor);
    this.#revision = revision;
    this.#exists = true;
  }

  #readRow(r: ChangeRow): { row: AumRow; purged: boolean } {
    const hash = new Uint8Array(r.hash!);
    const where = `tailnet ${JSON.stringify(this.tailnet)}: the row of AUM ${hashToBase32(hash)}`;
    const bytes = new Uint8Array(r.aum!);
    let read: { aum: AUM; hash: Uint8Array };
    try {
      read = readAUMHashed(bytes, parseCbor(bytes));
    } catch (e) {
      throw new TlockError(
        'STORAGE',
        `${where} does not hold an AUM (${(e as Error).message}); restore the row from a backup, or delete it`,
        { cause: e },
      );
    }
    if (!bytesEqual(read.hash, hash)) {
      throw new TlockError(
        'STORAGE',
        `${where} holds the AUM ${hashToBase32(read.hash)} instead; restore the row from a backup, or delete it`,
      );
    }
    return {
      row: { aum: read.aum, hash, committedAt: r.committed_at!.getTime() },
      purged: r.purged === true,
    };
  }

  protected rowReads(): AumRowReads {
    return this.#rows;
  }

  protected hint(): Uint8Array | undefined {
    return this.#hint;
  }

  /**
   * Runs `fn` in one transaction holding the tailnet's write lock (a transaction-scoped advisory
   * lock: writers to this tailnet, in every process, take turns; readers and other tailnets never
   * wait), after catching up with everything committed before the lock. `fn` writes through the
   * transaction it is given; if it throws, nothing is written. Resolves once committed, with the
   * revision this store then holds.
   */
  transaction<T>(fn: (tx: PostgresTransaction) => Promise<T>): Promise<{ value: T; revision: number }> {
    // One transaction at a time per store, so that waiting writers hold no connection.
    const run = this.#queue.then(
      () => this.#transaction(fn),
      () => this.#transaction(fn),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #transaction<T>(
    fn: (tx: PostgresTransaction) => Promise<T>,
  ): Promise<{ value: T; revision: number }> {
    const { value, tx } = await this.database.transaction(
      `write to tailnet ${this.tailnet}`,
      `tlock tailnet ${this.tailnet}`,
      async (client) => {
        await this.#catchUp(client);
        const tx = new PostgresTransaction(
          this.tailnet,
          { rows: this.#rows, hint: this.#hint },
          client,
          this.#clock,
        );
        return { value: await fn(tx), tx };
      },
    );
    this.#takeOn(tx);
    return { value, revision: this.#revision };
  }

  /** Takes on what a committed transaction wrote, unless a catch-up has read it already. */
  #takeOn(tx: PostgresTransaction): void {
    const staged = tx.staged();
    if (staged === undefined || staged.revision <= this.#revision) return;
    if (staged.cleared) this.#rows = new AumRows();
    for (const row of staged.removed) this.#rows.delete(row);
    for (const row of staged.added.rows()) this.#rows.put(row);
    if (staged.hint !== undefined) this.#hint = staged.hint.value;
    this.#revision = staged.revision;
    this.#exists = true;
  }

  async commit(aums: AUM[]): Promise<void> {
    await this.transaction((tx) => tx.aums.commit(aums));
  }

  async setLastActiveAncestor(hash: Uint8Array): Promise<void> {
    await this.transaction((tx) => tx.aums.setLastActiveAncestor(hash));
  }

  async purge(hashes: Uint8Array[]): Promise<void> {
    await this.transaction((tx) => tx.aums.purge(hashes));
  }
}
