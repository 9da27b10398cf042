import type { StoredAUM } from '../authority/store.js';
import { aumParent } from '../model/aum.js';
import { toHex } from '../wire/bytes.js';

/** A live AUM as a database row holds it: the AUM, its hash and when it was first committed. */
export interface AumRow extends StoredAUM {
  /** Milliseconds since the epoch. */
  readonly committedAt: number;
}

/** Reads of live AUM rows: a tailnet's committed rows, or what one transaction sees. */
export interface AumRowReads {
  get(hash: Uint8Array): AumRow | undefined;
  children(hash: Uint8Array): AumRow[];
  /** Rows with no live child. */
  heads(): AumRow[];
  rows(): Iterable<AumRow>;
}

/**
 * Live AUMs in memory, by hash, with each parent's live children: what PostgresStore reads
 * between catch-ups (get, children and heads touch no database). Rows are never changed in
 * place; `put` replaces and `delete` removes (a purge).
 */
export class AumRows implements AumRowReads {
  readonly #rows = new Map<string, AumRow>();
  /** parent → live children, by hex hash. Kept when the parent itself is deleted. */
  readonly #children = new Map<string, Set<string>>();

  get size(): number {
    return this.#rows.size;
  }

  get(hash: Uint8Array): AumRow | undefined {
    return this.#rows.get(toHex(hash));
  }

  children(hash: Uint8Array): AumRow[] {
    const out: AumRow[] = [];
    for (const hex of this.#children.get(toHex(hash)) ?? []) out.push(this.#rows.get(hex)!);
    return out;
  }

  heads(): AumRow[] {
    const out: AumRow[] = [];
    for (const [hex, row] of this.#rows) if (!this.#children.get(hex)?.size) out.push(row);
    return out;
  }

  rows(): IterableIterator<AumRow> {
    return this.#rows.values();
  }

  put(row: AumRow): void {
    const hex = toHex(row.hash);
    this.delete(row.hash);
    this.#rows.set(hex, row);
    const parent = aumParent(row.aum);
    if (parent === undefined) return;
    const p = toHex(parent);
    let kids = this.#children.get(p);
    if (kids === undefined) this.#children.set(p, (kids = new Set()));
    kids.add(hex);
  }

  delete(hash: Uint8Array): void {
    const hex = toHex(hash);
    const row = this.#rows.get(hex);
    if (row === undefined) return;
    this.#rows.delete(hex);
    const parent = aumParent(row.aum);
    if (parent !== undefined) this.#children.get(toHex(parent))?.delete(hex);
  }
}
