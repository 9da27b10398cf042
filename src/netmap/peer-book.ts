import { NETMAP_MAX_REMEMBERED_PEERS } from '../limits.js';

/** What the coordination server last claimed about one peer. */
export interface PeerClaim {
  readonly key: unknown;
  readonly sig: unknown;
  readonly apiOnly: boolean;
}

/** A map-response node ID (Tailscale's NodeID is a JSON number) as a map key; undefined if unusable. */
export function nodeIdKey(id: unknown): string | undefined {
  if (typeof id === 'number' && Number.isFinite(id)) return `n${id}`;
  if (typeof id === 'string' && id.length > 0) return `s${id}`;
  return undefined;
}

/**
 * The node ID itself when usable as a Map key: the same IDs as nodeIdKey accepts, and as distinct
 * (a Map tells 7 from "7", and 0 from -0 no more than `n${id}` does), without building a string
 * per peer.
 */
function usableId(id: unknown): number | string | undefined {
  if (typeof id === 'number') return Number.isFinite(id) ? id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function claimOf(peer: Record<string, unknown>): PeerClaim {
  return { key: peer['Key'], sig: peer['KeySignature'], apiOnly: peer['UnsignedPeerAPIOnly'] === true };
}

/**
 * The Key and KeySignature the server last sent for each node ID, whether or not they verified.
 * A patch may change only one of the two; Tailscale then rebuilds the whole node and checks it,
 * so the verifier needs the other half. Bounded: a node it cannot remember is refused when
 * patched, the safe side.
 */
export class PeerBook {
  readonly #claims = new Map<number | string, PeerClaim>();
  /**
   * The last full netmap's claims, copied but not yet indexed: most full netmaps are followed by
   * another full netmap or by deltas that touch no key, so the Map is built only when a delta
   * needs it (a Map entry per peer was a third of an all-cache-hit netmap check).
   */
  #unindexed:
    | { ids: (number | string | undefined)[]; keys: unknown[]; sigs: unknown[]; apiOnly: boolean[] }
    | undefined;

  get size(): number {
    this.#index();
    return this.#claims.size;
  }

  /** A full netmap: the server's whole claim. */
  reset(peers: readonly unknown[]): void {
    this.#claims.clear();
    const n = peers.length;
    const snapshot = {
      ids: new Array<number | string | undefined>(n),
      keys: new Array<unknown>(n),
      sigs: new Array<unknown>(n),
      apiOnly: new Array<boolean>(n),
    };
    for (let i = 0; i < n; i++) {
      const peer = peers[i];
      if (!isObject(peer)) continue;
      snapshot.ids[i] = usableId(peer['ID']);
      snapshot.keys[i] = peer['Key'];
      snapshot.sigs[i] = peer['KeySignature'];
      snapshot.apiOnly[i] = peer['UnsignedPeerAPIOnly'] === true;
    }
    this.#unindexed = snapshot;
  }

  upsert(peer: unknown): void {
    this.#index();
    if (!isObject(peer)) return;
    const id = usableId(peer['ID']);
    if (id === undefined) return;
    this.#put(id, claimOf(peer));
  }

  remove(id: unknown): void {
    this.#index();
    const k = usableId(id);
    if (k !== undefined) this.#claims.delete(k);
  }

  /** Applies a patch's Key/KeySignature (each `undefined` or `null` when unchanged) and returns the merged claim. */
  patch(id: unknown, key: unknown, sig: unknown): PeerClaim {
    this.#index();
    const k = usableId(id);
    const old = k === undefined ? undefined : this.#claims.get(k);
    const merged: PeerClaim = {
      key: key ?? old?.key,
      sig: sig ?? old?.sig,
      apiOnly: old?.apiOnly ?? false,
    };
    if (k !== undefined) this.#put(k, merged);
    return merged;
  }

  /** Indexes the last full netmap's claims, in order (a later entry for an ID wins, as upserts would). */
  #index(): void {
    const s = this.#unindexed;
    if (s === undefined) return;
    this.#unindexed = undefined;
    for (let i = 0; i < s.ids.length; i++) {
      const id = s.ids[i];
      if (id !== undefined) this.#put(id, { key: s.keys[i], sig: s.sigs[i], apiOnly: s.apiOnly[i]! });
    }
  }

  #put(id: number | string, claim: PeerClaim): void {
    if (this.#claims.size >= NETMAP_MAX_REMEMBERED_PEERS && !this.#claims.has(id)) return;
    this.#claims.set(id, claim);
  }
}
