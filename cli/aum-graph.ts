import { forkLossReason, pickNext } from '../src/authority/forks.js';
import type { AUM } from '../src/model/aum.js';
import { aumParent } from '../src/model/aum.js';
import { hashToBase32 } from '../src/wire/base32.js';
import type { LocalAuthority } from './local-authority.js';

/** One stored AUM in the graph of every branch. */
export interface GraphNode {
  hash: string;
  hashBytes: Uint8Array;
  aum: AUM;
  /** The parent's hash, when the parent is stored. */
  parent: string | undefined;
  /** On the chosen chain: the head and its stored ancestors. */
  chosen: boolean;
  /** For the first AUM of a branch that lost at a fork: the sibling that won, and why. */
  lostTo?: { hash: string; why: string };
}

/**
 * Every AUM in the store, newest first (children before parents; deeper first; the chosen chain
 * first among equals), with the chosen chain marked and, at each fork, why the other branches lost.
 */
export async function collectGraph(local: LocalAuthority): Promise<GraphNode[]> {
  const { store, authority } = local;
  const nodes = new Map<string, GraphNode>();
  for (const h of await store.allAUMs()) {
    const aum = (await store.get(h))!;
    const p = aumParent(aum);
    nodes.set(hashToBase32(h), {
      hash: hashToBase32(h),
      hashBytes: h,
      aum,
      parent: p === undefined ? undefined : hashToBase32(p),
      chosen: false,
    });
  }
  for (const n of nodes.values()) if (n.parent !== undefined && !nodes.has(n.parent)) n.parent = undefined;
  for (
    let n = nodes.get(authority.head);
    n !== undefined;
    n = n.parent === undefined ? undefined : nodes.get(n.parent)
  ) {
    n.chosen = true;
  }

  const children = new Map<string, GraphNode[]>();
  for (const n of nodes.values()) {
    if (n.parent === undefined) continue;
    const list = children.get(n.parent) ?? [];
    list.push(n);
    children.set(n.parent, list);
  }
  for (const [parent, kids] of children) {
    if (kids.length < 2) continue;
    let state;
    try {
      state = await authority.stateAt(store, parent);
    } catch {
      continue; // a branch the authority cannot evaluate: drawn, but not explained
    }
    const stored = kids.map((k) => ({ aum: k.aum, hash: k.hashBytes }));
    const winner = pickNext(state, stored);
    const winnerHash = hashToBase32(winner.hash);
    kids.forEach((k, i) => {
      if (k.hash !== winnerHash)
        k.lostTo = { hash: winnerHash, why: forkLossReason(state, winner, stored[i]!) };
    });
  }

  const depth = new Map<string, number>();
  const depthOf = (start: GraphNode): number => {
    const path: GraphNode[] = [];
    let n: GraphNode | undefined = start;
    while (n !== undefined && !depth.has(n.hash)) {
      path.push(n);
      n = n.parent === undefined ? undefined : nodes.get(n.parent);
    }
    let d = n === undefined ? -1 : depth.get(n.hash)!;
    for (let i = path.length - 1; i >= 0; i--) depth.set(path[i]!.hash, ++d);
    return depth.get(start.hash)!;
  };
  return [...nodes.values()].sort(
    (a, b) => depthOf(b) - depthOf(a) || Number(b.chosen) - Number(a.chosen) || (a.hash < b.hash ? -1 : 1),
  );
}
