import { AUMKind } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import type { State } from '../model/state.js';
import { compareBytes, toHex } from '../wire/bytes.js';
import { storedHash } from './hash-cache.js';
import { getKey } from './state-machine.js';

/**
 * Format §3, fork rule 1: the sum of votes of the distinct keys, trusted in the parent's state,
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
    const key = getKey(state, sig.keyID);
    if (key === undefined) continue;
    seen.add(id);
    weight = BigInt.asUintN(64, weight + BigInt(key.votes));
  }
  return weight;
}

/** Negative when `a` should be preferred over `b` (format §3 fork resolution). */
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

interface Ranked {
  aum: AUM;
  hash: Uint8Array;
  weight: bigint;
}

/**
 * The child to follow from a parent whose state is `state` (format §3 fork resolution). The
 * order of `children` does not matter: the ranking is total (hashes differ).
 */
export function pickNext(state: State, children: readonly AUM[]): AUM {
  if (children.length === 1) return children[0]!;
  let best: Ranked | undefined;
  for (const aum of children) {
    const r: Ranked = { aum, hash: storedHash(aum), weight: aumWeight(aum, state) };
    if (best === undefined || compareCandidates(r, best) < 0) best = r;
  }
  if (best === undefined) throw new RangeError('pickNext: no candidates');
  return best.aum;
}

/**
 * Why fork resolution follows `winner` rather than `loser`, two children of one parent whose
 * state is `state`, in words for people (`tlock log --graph`).
 */
export function forkLossReason(state: State, winner: AUM, loser: AUM): string {
  const w: Ranked = { aum: winner, hash: storedHash(winner), weight: aumWeight(winner, state) };
  const l: Ranked = { aum: loser, hash: storedHash(loser), weight: aumWeight(loser, state) };
  if (compareCandidates(w, l) > 0) throw new RangeError('forkLossReason: the loser ranks first');
  if (w.weight !== l.weight) {
    return `its signers have ${l.weight} vote${l.weight === 1n ? '' : 's'}, the chosen branch's ${w.weight}`;
  }
  const wRemove = winner.messageKind === AUMKind.RemoveKey;
  if (wRemove && loser.messageKind !== AUMKind.RemoveKey) {
    return `equal votes (${w.weight}); a remove-key wins a tie`;
  }
  return `equal votes (${w.weight}); the lower hash wins a tie`;
}
