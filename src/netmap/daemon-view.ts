import { NETMAP_MAX_REMEMBERED_PEERS } from '../limits.js';
import { type NodeId, type PatchEntry, type PeerEntry, patchedNode } from './map-response.js';

/** One node the server has described, and whether the daemon holds it. */
export interface ViewNode {
  /** The node as the server last described it: its last full list with every later change applied. */
  readonly entry: PeerEntry;
  /** Whether the daemon holds it: passed on, and neither removed nor refused since. */
  held: boolean;
}

/**
 * What the daemon holds, as the verifier knows it: the state a Go daemon's map session keeps
 * (controlclient/map.go), changed only through the named steps below, in the order Go applies
 * them: a full list replaces everything; otherwise removals, then upserts, then patches (a patch
 * for a node Go does not know is skipped). The server's view of every node is kept, refused ones
 * included, so that every node is judged again when the authority changes, and so that a node
 * refused earlier and authorised now can be sent. The daemon only ever holds nodes as described
 * here: a refused change to a node it holds removes the node.
 *
 * Bounded: beyond NETMAP_MAX_REMEMBERED_PEERS, new nodes are not remembered, and so not passed on.
 */
export class DaemonView {
  #nodes = new Map<NodeId, ViewNode>();
  /** A full list not yet indexed: most full lists are followed by another, never by a delta. */
  #pending: { readonly entries: readonly PeerEntry[]; readonly held: readonly boolean[] } | undefined;
  /** The authority head under which `held` was last decided. */
  judgedUnder: string | undefined;

  #index(): Map<NodeId, ViewNode> {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      this.#nodes = new Map();
      pending.entries.forEach((entry, i) => this.#nodes.set(entry.id, { entry, held: pending.held[i]! }));
    }
    return this.#nodes;
  }

  get(id: NodeId): ViewNode | undefined {
    return this.#index().get(id);
  }

  nodes(): IterableIterator<[NodeId, ViewNode]> {
    return this.#index().entries();
  }

  /** The IDs of the nodes the daemon holds. */
  heldIds(): NodeId[] {
    const pending = this.#pending;
    if (pending !== undefined) return pending.entries.filter((_, i) => pending.held[i]).map((e) => e.id);
    const out: NodeId[] = [];
    for (const [id, node] of this.#nodes) if (node.held) out.push(id);
    return out;
  }

  /** A full list (one entry per node ID): it replaces everything; `held[i]` says whether entry i is passed on. */
  applyFullList(entries: readonly PeerEntry[], held: readonly boolean[]): void {
    this.#pending = { entries, held };
  }

  applyRemoval(id: NodeId): void {
    this.#index().delete(id);
  }

  /** An upsert replaces the node; it is held once judged. False when the view is full. */
  applyUpsert(entry: PeerEntry): boolean {
    const nodes = this.#index();
    const before = nodes.get(entry.id);
    if (before === undefined && nodes.size >= NETMAP_MAX_REMEMBERED_PEERS) return false;
    nodes.set(entry.id, { entry, held: before?.held ?? false });
    return true;
  }

  /** Applies a patch to a known node; undefined when the node is unknown (Go skips the patch). */
  applyPatch(patch: PatchEntry): ViewNode | undefined {
    const node = this.#index().get(patch.id);
    if (node === undefined) return undefined;
    const { changes } = patch;
    const entry: PeerEntry = {
      ...node.entry,
      node: patchedNode(node.entry.node, changes),
      key: 'Key' in changes ? changes['Key'] : node.entry.key,
      sig: 'KeySignature' in changes ? changes['KeySignature'] : node.entry.sig,
    };
    const patched = { entry, held: node.held };
    this.#index().set(patch.id, patched);
    return patched;
  }
}
