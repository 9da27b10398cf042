import { JsonText } from '../wire/json-text.js';

/** tailcfg.NodeID: an int64 (0 for a node without one). */
export type NodeId = number;

/** A Node of `Peers` or `PeersChanged` (or the response's own `Node`), as Go reads it. */
export interface PeerEntry {
  readonly id: NodeId;
  /** The object itself (or its `JsonText`, for a list read from bytes): passed on untouched. */
  readonly node: Readonly<Record<string, unknown>>;
  /** The values of Key and KeySignature (undefined when absent); judged by peer-verdict.ts. */
  readonly key: unknown;
  readonly sig: unknown;
  readonly apiOnly: boolean;
  readonly name: string | undefined;
}

/** An entry Go cannot read, or could read more than one way: it is dropped. */
export class Unreadable {
  constructor(
    readonly id: NodeId | undefined,
    readonly name: string | undefined,
    readonly detail: string,
  ) {}
}

/** One list of a response, in input order. */
export interface EntryList<T extends { readonly id: NodeId }> {
  readonly items: readonly (T | Unreadable)[];
  /** Indices of entries that a later entry with the same node ID replaces (Go keeps the last). */
  readonly superseded: ReadonlySet<number>;
  /** The entries that count: readable, and not superseded, in input order. */
  readonly latest: readonly T[];
}

/** What `MapResponseReader` read from each entry of a list; index i is the list's entry i. */
export type PeerColumnValues = Pick<
  PeerColumns,
  'nodes' | 'ids' | 'keys' | 'sigs' | 'apiOnly' | 'names' | 'unreadable'
>;

/**
 * A list of map-response Nodes (`Peers` or `PeersChanged`) as Go reads it, held column by
 * column: a full list has thousands of entries and most are what they were in the last one, so
 * the verifier compares columns instead of making an object per peer. `items` and `latest` give
 * the same list as `PeerEntry` objects, made on first use.
 */
export class PeerColumns implements EntryList<PeerEntry> {
  readonly length: number;
  /** The entries themselves (a copy of the list, so that later changes to it change nothing here). */
  readonly nodes: readonly unknown[];
  readonly ids: readonly NodeId[];
  readonly keys: readonly unknown[];
  readonly sigs: readonly unknown[];
  readonly apiOnly: readonly boolean[];
  readonly names: readonly (string | undefined)[];
  /** The entries Go cannot read, or could read two ways (their columns hold placeholders). */
  readonly unreadable: ReadonlyMap<number, Unreadable>;
  /** Indices of entries that a later entry with the same node ID replaces (Go keeps the last). */
  readonly superseded: ReadonlySet<number>;
  #items: (PeerEntry | Unreadable)[] | undefined;
  #latest: PeerEntry[] | undefined;
  #memory: ArrayBufferLike | undefined;

  /** `values`: what `MapResponseReader` read from each entry; `memory`: for a list read from bytes, the memory its entries' texts (`JsonText`s) are read from. */
  constructor(values: PeerColumnValues, memory?: ArrayBufferLike) {
    this.#memory = memory;
    this.length = values.nodes.length;
    this.nodes = values.nodes;
    this.ids = values.ids;
    this.keys = values.keys;
    this.sigs = values.sigs;
    this.apiOnly = values.apiOnly;
    this.names = values.names;
    this.unreadable = values.unreadable;
    this.superseded = supersededEntries(values.ids, values.unreadable);
  }

  /** The memory this list's entries are read from, which must not change while it is used (until `detach`). */
  get memory(): ArrayBufferLike | undefined {
    return this.#memory;
  }

  /** Copies the entries' texts out of the memory they were read from. */
  detach(): void {
    if (this.#memory === undefined) return;
    JsonText.detachAll(this.nodes);
    this.#memory = undefined;
  }

  /** Whether entry i is one the daemon keeps: readable, and not replaced by a later one. */
  counts(i: number): boolean {
    return !this.unreadable.has(i) && !this.superseded.has(i);
  }

  /** Whether every entry counts (the common case: nothing to drop for how the list is written). */
  get clean(): boolean {
    return this.unreadable.size === 0 && this.superseded.size === 0;
  }

  /** Entry i as a `PeerEntry`; only for an entry that is readable. */
  entry(i: number): PeerEntry {
    return {
      id: this.ids[i]!,
      node: this.nodes[i] as Readonly<Record<string, unknown>>,
      key: this.keys[i],
      sig: this.sigs[i],
      apiOnly: this.apiOnly[i]!,
      name: this.names[i],
    };
  }

  get items(): readonly (PeerEntry | Unreadable)[] {
    if (this.#items === undefined) {
      const items: (PeerEntry | Unreadable)[] = [];
      for (let i = 0; i < this.length; i++) items.push(this.unreadable.get(i) ?? this.entry(i));
      this.#items = items;
    }
    return this.#items;
  }

  get latest(): readonly PeerEntry[] {
    if (this.#latest === undefined) {
      const latest: PeerEntry[] = [];
      for (let i = 0; i < this.length; i++) if (this.counts(i)) latest.push(this.entry(i));
      this.#latest = latest;
    }
    return this.#latest;
  }
}

/**
 * Lists read straight from a response's bytes (map-response-bytes.ts), by the array of `JsonText`s
 * that stands for the list in the response: `MapResponseReader` takes these columns as read.
 */
export const listsReadFromBytes = new WeakMap<readonly unknown[], PeerColumns>();

const NO_SUPERSEDED: ReadonlySet<number> = new Set();

/**
 * The indices of entries that a later one with the same node ID replaces. Tailscale's servers
 * send lists sorted by ID: a strictly increasing run needs no index.
 */
function supersededEntries(
  ids: readonly NodeId[],
  unreadable: ReadonlyMap<number, Unreadable>,
): ReadonlySet<number> {
  let previous = -Infinity;
  let sorted = true;
  for (let i = 0; i < ids.length && sorted; i++) {
    if (unreadable.has(i)) continue;
    sorted = ids[i]! > previous;
    previous = ids[i]!;
  }
  if (sorted) return NO_SUPERSEDED;
  const last = new Map<NodeId, number>();
  ids.forEach((id, i) => {
    if (!unreadable.has(i)) last.set(id, i);
  });
  const out = new Set<number>();
  ids.forEach((id, i) => {
    if (!unreadable.has(i) && last.get(id) !== i) out.add(i);
  });
  return out;
}
