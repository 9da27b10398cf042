import type { RotationFacts } from './types.js';

export interface RotatedPeer {
  /** The peer's node key, lower-case `nodekey:` text. */
  readonly key: string;
  readonly rotation: RotationFacts;
}

/**
 * Node keys made obsolete by key rotation in one full netmap, with why (docs/FORMAT.md §10,
 * Tailscale's rotationTracker), for peers whose rotation signatures verified:
 * - every previous node key listed by any rotation chain is obsolete;
 * - chains from a Direct signature are grouped by its wrapping key (a cloned node shares it);
 *   ignoring keys already obsolete, the chain with the most previous keys wins and the others
 *   are obsolete; if the two longest tie, every key in the group is obsolete;
 * - chains from a Credential are not grouped: many nodes may join with one reusable auth key.
 * Tailscale walks the groups in Go's random map order; here it is first-seen order, which is one
 * of those orders and makes the result deterministic.
 */
export function obsoleteNodeKeys(peers: Iterable<RotatedPeer>): Map<string, string> {
  const obsolete = new Map<string, string>();
  const groups = new Map<string, { key: string; prevCount: number }[]>();
  for (const { key, rotation } of peers) {
    for (const prev of rotation.prev) {
      if (!obsolete.has(prev))
        obsolete.set(prev, `rotated away: the signature of ${key} lists it as a previous key`);
    }
    if (rotation.group === undefined) continue;
    let group = groups.get(rotation.group);
    if (group === undefined) groups.set(rotation.group, (group = []));
    group.push({ key, prevCount: rotation.prev.length });
  }
  for (const group of groups.values()) {
    const live = group.filter((p) => !obsolete.has(p.key));
    if (live.length === 0) continue;
    live.sort((a, b) => b.prevCount - a.prevCount); // stable: ties keep netmap order
    const [first, second] = live;
    if (second !== undefined && first!.prevCount === second.prevCount) {
      const why = `tie: ${first!.key} and ${second.key} have equally long rotation chains from the same rotation key, so neither can be told to be the newest; all are refused`;
      for (const p of live) if (!obsolete.has(p.key)) obsolete.set(p.key, why);
    } else {
      for (const p of live.slice(1)) {
        if (!obsolete.has(p.key)) {
          obsolete.set(
            p.key,
            `superseded by ${first!.key}, a longer rotation chain from the same rotation key`,
          );
        }
      }
    }
  }
  return obsolete;
}
