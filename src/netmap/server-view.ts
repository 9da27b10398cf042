import { NETMAP_MAX_REMEMBERED_PEERS } from '../limits.js';

/** A map-response node ID (Tailscale's NodeID is a JSON number) as a map key; undefined if unusable. */
export function nodeIdKey(id: unknown): string | undefined {
  if (typeof id === 'number' && Number.isFinite(id)) return `n${id}`;
  if (typeof id === 'string' && id.length > 0) return `s${id}`;
  return undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** PeerChange fields whose Node field has another name; the rest have the same name. */
const PATCH_FIELD_NAMES: Readonly<Record<string, string>> = { DERPRegion: 'HomeDERP' };

/**
 * The peers as the coordination server last described them: the last full `Peers` list with
 * every later delta applied, by node ID, in the order first seen. Tailscale judges this whole
 * set again on every map response that is not a pure patch; so does the verifier. Node objects
 * are the server's own (never modified); a patch makes a merged copy. Bounded: beyond
 * NETMAP_MAX_REMEMBERED_PEERS new nodes are not remembered (and so never admitted by a delta).
 */
export class ServerView {
  #nodes = new Map<string, Record<string, unknown>>();
  /** A full list not yet indexed: most full netmaps are followed by another, never by a delta. */
  #pending: readonly unknown[] | undefined;

  #index(): Map<string, Record<string, unknown>> {
    if (this.#pending !== undefined) {
      const peers = this.#pending;
      this.#pending = undefined;
      this.#nodes = new Map();
      for (const peer of peers) this.upsert(peer);
    }
    return this.#nodes;
  }

  get size(): number {
    return this.#index().size;
  }

  get(id: string): Record<string, unknown> | undefined {
    return this.#index().get(id);
  }

  entries(): IterableIterator<[string, Record<string, unknown>]> {
    return this.#index().entries();
  }

  /** A full netmap replaces everything (indexed when first needed). */
  reset(peers: readonly unknown[]): void {
    this.#pending = peers;
  }

  upsert(peer: unknown): void {
    if (!isObject(peer)) return;
    const id = nodeIdKey(peer['ID']);
    if (id === undefined) return;
    const nodes = this.#index();
    if (!nodes.has(id) && nodes.size >= NETMAP_MAX_REMEMBERED_PEERS) return;
    nodes.set(id, peer);
  }

  remove(id: unknown): void {
    const k = nodeIdKey(id);
    if (k !== undefined) this.#index().delete(k);
  }

  /** Applies a PeersChangedPatch entry to a known node; false when the node is unknown. */
  patch(patch: Record<string, unknown>): boolean {
    const id = nodeIdKey(patch['NodeID']);
    const node = id === undefined ? undefined : this.#index().get(id);
    if (node === undefined) return false;
    const merged: Record<string, unknown> = { ...node };
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'NodeID' || value === null || value === undefined) continue;
      merged[PATCH_FIELD_NAMES[field] ?? field] = value;
    }
    this.#index().set(id!, merged);
    return true;
  }
}
