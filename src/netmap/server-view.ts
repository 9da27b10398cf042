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
  readonly #nodes = new Map<string, Record<string, unknown>>();

  get size(): number {
    return this.#nodes.size;
  }

  get(id: string): Record<string, unknown> | undefined {
    return this.#nodes.get(id);
  }

  entries(): IterableIterator<[string, Record<string, unknown>]> {
    return this.#nodes.entries();
  }

  /** A full netmap replaces everything. */
  reset(peers: readonly unknown[]): void {
    this.#nodes.clear();
    for (const peer of peers) this.upsert(peer);
  }

  upsert(peer: unknown): void {
    if (!isObject(peer)) return;
    const id = nodeIdKey(peer['ID']);
    if (id === undefined) return;
    if (!this.#nodes.has(id) && this.#nodes.size >= NETMAP_MAX_REMEMBERED_PEERS) return;
    this.#nodes.set(id, peer);
  }

  remove(id: unknown): void {
    const k = nodeIdKey(id);
    if (k !== undefined) this.#nodes.delete(k);
  }

  /** Applies a PeersChangedPatch entry to a known node; false when the node is unknown. */
  patch(patch: Record<string, unknown>): boolean {
    const id = nodeIdKey(patch['NodeID']);
    const node = id === undefined ? undefined : this.#nodes.get(id);
    if (node === undefined) return false;
    const merged: Record<string, unknown> = { ...node };
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'NodeID' || value === null || value === undefined) continue;
      merged[PATCH_FIELD_NAMES[field] ?? field] = value;
    }
    this.#nodes.set(id!, merged);
    return true;
  }
}
