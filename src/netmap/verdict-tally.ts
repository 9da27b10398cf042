import type { PeerVerdict } from './types.js';

/**
 * Counts over the verdicts `judgePeer` gave one full list, kept up to date as verdicts are added
 * and removed, so that a list judged again after a few changes can tell, without a pass over
 * every peer, whether any peer is refused and whether rotation could refuse any.
 */
export class VerdictTally {
  /** Verdicts that refuse their peer. */
  refused = 0;
  /** Authorised peers per node key. */
  readonly #authorised = new Map<string, number>();
  /** Authorised rotation chains listing each node key as a previous key. */
  readonly #listed = new Map<string, number>();
  /** Authorised peers whose key some authorised chain lists as a previous key. */
  #authorisedListed = 0;
  /** Authorised rotation chains per rotation group. */
  readonly #groups = new Map<string, number>();
  /** Groups with two chains or more. */
  #crowded = 0;

  add(v: PeerVerdict): void {
    this.#count(v, 1);
  }

  remove(v: PeerVerdict): void {
    this.#count(v, -1);
  }

  clear(): void {
    this.refused = this.#authorisedListed = this.#crowded = 0;
    this.#authorised.clear();
    this.#listed.clear();
    this.#groups.clear();
  }

  /**
   * Whether rotation leaves every authorised peer authorised (`withObsoleteRotations` would change
   * nothing). Tailscale's rotation tracker refuses the keys that chains list as previous keys (no
   * authorised peer has one here), and all chains of a group but the longest (no group has two).
   * False does not mean a peer is refused: then the caller asks `withObsoleteRotations`.
   */
  get rotationRefusesNone(): boolean {
    return this.#authorisedListed === 0 && this.#crowded === 0;
  }

  #count(v: PeerVerdict, by: 1 | -1): void {
    if (!v.ok) {
      this.refused += by;
      return;
    }
    bump(this.#authorised, v.key, by);
    if (this.#listed.has(v.key)) this.#authorisedListed += by;
    if (v.rotation === undefined) return;
    for (const prev of v.rotation.prev) {
      const listed = bump(this.#listed, prev, by);
      // The first chain to list a key (or the last to stop) changes whether its peers count.
      if (listed === (by === 1 ? 1 : 0)) this.#authorisedListed += by * (this.#authorised.get(prev) ?? 0);
    }
    if (v.rotation.group === undefined) return;
    const chains = bump(this.#groups, v.rotation.group, by);
    if (by === 1 && chains === 2) this.#crowded++;
    if (by === -1 && chains === 1) this.#crowded--;
  }
}

/** Adds `by` to `key`'s count (removing it at 0) and returns the new count. */
function bump(counts: Map<string, number>, key: string, by: number): number {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
  return n;
}
