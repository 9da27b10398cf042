import { AUMKind } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { type State, findKey } from '../model/state.js';
import { compareBytes, toHex } from '../wire/bytes.js';
import type { StoredAUM } from './chain-reads.js';

/**
 * docs/FORMAT.md §5.5, fork rule 1: the sum of votes of the distinct keys, trusted in the parent's state,
 * that signed the AUM. Signatures are not verified here (stored AUMs were verified on the way
 * in); a signature by a key the state does not trust adds nothing. Go sums in a uint, so do we.
 */
export function aumWeight(aum: AUM, state: State): bigint {
  let weight = 0n;
  const seen = new Set<string>();
  for (const sig of aum.signatures ?? []) {
    if (sig.keyID === null || sig.keyID.length !== 32) continue;
    const id = toHex(sig.keyID);
    if (seen.has(id)) continue;
    const key = findKey(state, sig.keyID);
    if (key === undefined) continue;
    seen.add(id);
    weight = BigInt.asUintN(64, weight + BigInt(key.votes));
  }
  return weight;
}

/** Negative when `a` should be preferred over `b` (docs/FORMAT.md §5.5). */
function compareCandidates(a: Ranked, b: Ranked): number {
  // Rule 1: the highest weight wins.
  if (a.weight !== b.weight) return a.weight > b.weight ? -1 : 1;
  // Rule 2: on a tie, a RemoveKey beats any other kind.
  const aRemove = a.aum.messageKind === AUMKind.RemoveKey;
  const bRemove = b.aum.messageKind === AUMKind.RemoveKey;
  if (aRemove !== bRemove) return aRemove ? -1 : 1;
  // Rule 3: on a tie, the lowest hash wins.
  return compareBytes(a.hash, b.hash);
}

interface Ranked extends StoredAUM {
  weight: bigint;
}

/**
 * The child to follow from a parent whose state is `state` (docs/FORMAT.md §5.5). The
 * order of `children` does not matter: the ranking is total (hashes differ).
 */
export function pickNext(state: State, children: readonly StoredAUM[]): StoredAUM {
  if (children.length === 1) return children[0]!;
  let best: Ranked | undefined;
  let bestIndex = -1;
  children.forEach((child, i) => {
    const r: Ranked = { aum: child.aum, hash: child.hash, weight: aumWeight(child.aum, state) };
    if (best === undefined || compareCandidates(r, best) < 0) [best, bestIndex] = [r, i];
  });
  if (bestIndex < 0) throw new RangeError('pickNext: no candidates');
  return children[bestIndex]!;
}

/**
 * Why fork resolution follows `winner` rather than `loser`, two children of one parent whose
 * state is `state`, in words for people (`tlock log --graph`).
 */
export function forkLossReason(state: State, winner: StoredAUM, loser: StoredAUM): string {
  const w: Ranked = { ...winner, weight: aumWeight(winner.aum, state) };
  const l: Ranked = { ...loser, weight: aumWeight(loser.aum, state) };
  if (compareCandidates(w, l) > 0) throw new RangeError('forkLossReason: the loser ranks first');
  if (w.weight !== l.weight) {
    return `its signers have ${l.weight} vote${l.weight === 1n ? '' : 's'}, the chosen branch's ${w.weight}`;
  }
  const wRemove = winner.aum.messageKind === AUMKind.RemoveKey;
  if (wRemove && loser.aum.messageKind !== AUMKind.RemoveKey) {
    return `equal votes (${w.weight}); a remove-key wins a tie`;
  }
  return `equal votes (${w.weight}); the lower hash wins a tie`;
}
