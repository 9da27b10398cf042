import { NETMAP_MAX_REMEMBERED_PEERS } from '../limits.js';
import { JsonText } from '../wire/json-text.js';
import { type NodeId, type PatchEntry, type PeerEntry, patchedNode } from './map-response.js';
import type { PeerColumns } from './peer-columns.js';

/** One node the server has described, and whether the daemon holds it. Never modified: replaced. */
export interface ViewNode {
  /** The node as the server last described it: its last full list with every later change applied. */
  readonly entry: PeerEntry;
  /** Whether the daemon holds it: passed on, and neither removed nor refused since. */
  readonly held: boolean;
}

interface Saved {
  readonly nodes: Map<NodeId, ViewNode | undefined>;
  readonly pending: Pending | undefined;
  readonly judgedUnder: string | undefined;
}

type Pending = { readonly list: PeerColumns; readonly held: (index: number) => boolean };

/** In `#undo`: the node was not in the map. */
const ABSENT = Symbol('absent');

/**
 * What the daemon holds, as the verifier knows it: the state a Go daemon's map session keeps
 * (controlclient/map.go), changed only through the named steps below, in the order Go applies
 * them: a full list replaces everything; otherwise removals, then upserts, then patches (a patch
 * for a node Go does not know is skipped). The server's view of every node is kept, refused ones
 * included, so that every node is judged again when the authority changes, and so that a node
 * refused earlier and authorised now can be sent. The daemon only ever holds nodes as described
 * here: a refused change to a node it holds removes the node.
 *
 * `save` and `restore` bracket one response, for when the daemon never got its result: then it
 * applied nothing, and neither does the view. Changes after `save` are made in place and each
 * remembered with what it replaced (`#undo`), so a delta costs what it changes, not a copy of
 * 10 000 nodes; a node removed meanwhile stays in the map as `undefined` until the next `save`, so
 * that `restore` finds every node where it was (the order nodes are judged in is kept exactly).
 *
 * Bounded: beyond NETMAP_MAX_REMEMBERED_PEERS, new nodes are not remembered, and so not passed on.
 */
export class DaemonView {
  /** The nodes by ID; `undefined`: removed since `save` (see above). */
  #nodes = new Map<NodeId, ViewNode | undefined>();
  /** How many of `#nodes` are `undefined`. */
  #removed = 0;
  /** A full list not yet indexed: most full lists are followed by another, never by a delta. */
  #pending: Pending | undefined;
  #saved: Saved | undefined;
  /** Each change made in place to the saved nodes since `save`, with the node it replaced. */
  #undo: [NodeId, ViewNode | typeof ABSENT][] = [];
  /** The authority head under which `held` was last decided. */
  judgedUnder: string | undefined;

  #index(): Map<NodeId, ViewNode | undefined> {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      this.#nodes = new Map();
      this.#removed = 0;
      const { list, held } = pending;
      list.detach(); // its entries are kept from now on, past the life of the bytes they were read from
      for (let i = 0; i < list.length; i++) {
        if (list.counts(i)) this.#nodes.set(list.ids[i]!, { entry: list.entry(i), held: held(i) });
      }
    }
    return this.#nodes;
  }

  /** Whether `nodes` are the saved ones (then changes are made in place, and remembered). */
  #inPlace(nodes: Map<NodeId, ViewNode | undefined>): boolean {
    return this.#saved?.nodes === nodes;
  }

  #set(id: NodeId, node: ViewNode): void {
    let nodes = this.#index();
    if (this.#inPlace(nodes)) {
      const before = nodes.get(id);
      if (before === undefined && nodes.has(id)) {
        // Removed, and now back: Go's map puts it last, so the saved nodes are left as they are
        // (but for what `#undo` undoes) and the live ones copied.
        nodes = new Map([...this.#live(nodes)]);
        this.#nodes = nodes;
        this.#removed = 0;
      } else this.#undo.push([id, before ?? ABSENT]);
    }
    nodes.set(id, node);
  }

  #delete(id: NodeId): void {
    const nodes = this.#index();
    const before = nodes.get(id);
    if (before === undefined) return;
    if (this.#inPlace(nodes)) {
      this.#undo.push([id, before]);
      nodes.set(id, undefined);
      this.#removed++;
    } else nodes.delete(id);
  }

  *#live(nodes: Map<NodeId, ViewNode | undefined>): IterableIterator<[NodeId, ViewNode]> {
    for (const [id, node] of nodes) if (node !== undefined) yield [id, node];
  }

  /** Remembers the state now, for `restore`. */
  save(): void {
    const nodes = this.#nodes;
    if (this.#removed > 0 && this.#inPlace(nodes)) {
      // The removals are kept now: out of the map, which moves no other node.
      for (const [id] of this.#undo) if (nodes.has(id) && nodes.get(id) === undefined) nodes.delete(id);
      this.#removed = 0;
    }
    this.#undo = [];
    this.#saved = { nodes, pending: this.#pending, judgedUnder: this.judgedUnder };
  }

  /** Goes back to the state at the last `save` (at most once). */
  restore(): void {
    const saved = this.#saved;
    if (saved === undefined) return;
    this.#saved = undefined;
    const { nodes } = saved;
    for (let i = this.#undo.length - 1; i >= 0; i--) {
      const [id, before] = this.#undo[i]!;
      if (before === ABSENT) nodes.delete(id);
      else nodes.set(id, before);
    }
    this.#undo = [];
    this.#nodes = nodes;
    this.#removed = 0;
    this.#pending = saved.pending;
    this.judgedUnder = saved.judgedUnder;
  }

  /**
   * Whether this view (or the state saved for `restore`) holds a list whose entries are read from
   * `memory`, which must then not change (map-response-bytes.ts).
   */
  holdsMemory(memory: ArrayBufferLike): boolean {
    return this.#pending?.list.memory === memory || this.#saved?.pending?.list.memory === memory;
  }

  get(id: NodeId): ViewNode | undefined {
    return this.#index().get(id);
  }

  /** The nodes, in the order they were first described (a node removed and described again comes last). */
  nodes(): IterableIterator<[NodeId, ViewNode]> {
    const nodes = this.#index();
    return this.#removed === 0
      ? (nodes.entries() as IterableIterator<[NodeId, ViewNode]>)
      : this.#live(nodes);
  }

  /** The IDs of the nodes the daemon holds. */
  heldIds(): NodeId[] {
    const pending = this.#pending;
    if (pending !== undefined) {
      const { list, held } = pending;
      const ids: NodeId[] = [];
      for (let i = 0; i < list.length; i++) if (list.counts(i) && held(i)) ids.push(list.ids[i]!);
      return ids;
    }
    const out: NodeId[] = [];
    for (const [id, node] of this.nodes()) if (node.held) out.push(id);
    return out;
  }

  /** A full list: its entries that count replace everything; `held(i)` says whether entry i is passed on. */
  applyFullList(list: PeerColumns, held: (index: number) => boolean): void {
    this.#pending = { list, held };
  }

  applyRemoval(id: NodeId): void {
    this.#delete(id);
  }

  /** An upsert replaces the node; whether it is held is decided when it is judged. False when the view is full. */
  applyUpsert(entry: PeerEntry): boolean {
    const before = this.get(entry.id);
    if (before === undefined && this.#index().size - this.#removed >= NETMAP_MAX_REMEMBERED_PEERS)
      return false;
    if (entry.node instanceof JsonText) entry.node.detach(); // kept past the life of the bytes it was read from
    this.#set(entry.id, { entry, held: before?.held ?? false });
    return true;
  }

  /** Applies a patch to a known node; undefined when the node is unknown (Go skips the patch). */
  applyPatch(patch: PatchEntry): ViewNode | undefined {
    const node = this.get(patch.id);
    if (node === undefined) return undefined;
    const { changes } = patch;
    const entry: PeerEntry = {
      ...node.entry,
      node: patchedNode(node.entry.node, changes),
      key: 'Key' in changes ? changes['Key'] : node.entry.key,
      sig: 'KeySignature' in changes ? changes['KeySignature'] : node.entry.sig,
    };
    const patched = { entry, held: node.held };
    this.#set(patch.id, patched);
    return patched;
  }

  /** Whether the daemon holds a known node, once judged. */
  setHeld(id: NodeId, held: boolean): void {
    const node = this.get(id);
    if (node !== undefined && node.held !== held) this.#set(id, { entry: node.entry, held });
  }
}
