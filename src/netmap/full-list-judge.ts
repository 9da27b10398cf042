import type { NodeId, PeerColumns } from './peer-columns.js';
import { judgePeer, withObsoleteRotations } from './peer-verdict.js';
import type { PeerVerdict } from './types.js';
import { VerdictTally } from './verdict-tally.js';

/** A full list judged under a head: `judgePeer`'s verdict on each entry that counts (undefined for the others). */
class JudgedList {
  #index: Map<NodeId, number> | undefined;

  constructor(
    readonly head: string,
    readonly list: PeerColumns,
    readonly verdicts: readonly (PeerVerdict | undefined)[],
  ) {}

  /** The index of the judged entry with node ID `id`, or -1. */
  indexOf(id: NodeId): number {
    if (this.#index === undefined) {
      this.#index = new Map();
      this.verdicts.forEach((v, i) => {
        if (v !== undefined) this.#index!.set(this.list.ids[i]!, i);
      });
    }
    return this.#index.get(id) ?? -1;
  }
}

/** What a full list can reuse of the last one judged; from `FullListJudge.reuse`, for `judge`. */
export interface Reuse {
  readonly list: PeerColumns;
  /** The authority head the list is judged under. */
  readonly head: string;
  /** The list judged last under the same head, if any: `verdicts` were taken from it. */
  readonly base: JudgedList | undefined;
  /** Entry i's verdict when the base has it, else undefined (filled in by `judge`). */
  readonly verdicts: (PeerVerdict | undefined)[];
  /** Which of the base's entries gave a verdict (each gives at most one). */
  readonly taken: Uint8Array;
}

export interface FullListVerdicts {
  /** The verdict on each entry that counts (rotation obsolescence applied); undefined for the others. */
  readonly verdicts: readonly (PeerVerdict | undefined)[];
  /** Whether every entry that counts is authorised. */
  readonly allAuthorised: boolean;
}

/**
 * Judges full peer lists as `judgePeers` does, but from what changed since the last one: a node
 * sends the same few thousand peers again and again, with a few re-keyed. An entry reuses the
 * verdict of an entry of the last list judged under the same authority head only when its Key,
 * KeySignature and UnsignedPeerAPIOnly values are equal to that entry's (`judgePeer`'s verdict is
 * a function of those three and the state, and the head names the state). Entries are paired by
 * node ID, at the same position first: pairing only decides what is reused, never a verdict.
 * A `VerdictTally` of the last list, updated by the entries that differ, tells whether any peer
 * is refused and whether rotation could refuse any; only then is the list looked at as a whole
 * (`withObsoleteRotations`).
 *
 * With `remembers` false, every list is judged by itself (no tally, no reuse).
 */
export class FullListJudge {
  #last: JudgedList | undefined;
  /** Counts over `#last`'s verdicts (cleared when `#last` is undefined). */
  readonly #tally = new VerdictTally();

  constructor(readonly remembers: boolean) {}

  /** Finds the verdicts `list` can take from the last list judged under `head`. */
  reuse(list: PeerColumns, head: string): Reuse {
    const verdicts = new Array<PeerVerdict | undefined>(list.length);
    const base = this.#last?.head === head ? this.#last : undefined;
    const taken = new Uint8Array(base?.list.length ?? 0);
    if (base === undefined) return { list, head, base, verdicts, taken };
    const { ids, keys, sigs, apiOnly } = list;
    const b = base.list;
    const clean = list.clean;
    let offset = 0;
    for (let i = 0; i < list.length; i++) {
      if (!clean && !list.counts(i)) continue;
      const id = ids[i]!;
      let j = i + offset;
      if (b.ids[j] !== id) {
        j = base.indexOf(id);
        if (j < 0) continue;
        offset = j - i;
      }
      const v = base.verdicts[j];
      // Counted entries have distinct IDs, so a base entry is paired with one entry at most.
      if (v !== undefined && keys[i] === b.keys[j] && sigs[i] === b.sigs[j] && apiOnly[i] === b.apiOnly[j]) {
        verdicts[i] = v;
        taken[j] = 1;
      }
    }
    return { list, head, base, verdicts, taken };
  }

  /**
   * The verdicts on the list of `reuse` (`verdict` judges one (Key, KeySignature) pair, as
   * `judgePeers` takes it); remembers the list for the next one.
   */
  judge(reuse: Reuse, verdict: (key: unknown, sig: unknown) => PeerVerdict): FullListVerdicts {
    const { list, verdicts } = reuse;
    const { keys, sigs, apiOnly } = list;
    if (!this.remembers) {
      for (let i = 0; i < list.length; i++) {
        if (list.counts(i)) verdicts[i] = judgePeer(keys[i], sigs[i], apiOnly[i]!, verdict);
      }
      return settled(list, withObsoleteRotations(verdicts));
    }
    const tally = this.#tally;
    // The tally describes `#last`: follow it from the base if it is `#last`, else start again.
    // While it changes, nothing is remembered (an exception leaves no tally that disagrees).
    // When most entries changed, counting the new list afresh costs less than undoing the old one.
    const fromBase =
      reuse.base !== undefined &&
      reuse.base === this.#last &&
      2 * countTaken(reuse.taken) >= reuse.base.verdicts.length;
    this.#last = undefined;
    if (fromBase) {
      const before = reuse.base.verdicts;
      for (let j = 0; j < before.length; j++) {
        const v = before[j];
        if (v !== undefined && reuse.taken[j] === 0) tally.remove(v);
      }
    } else tally.clear();
    const clean = list.clean;
    for (let i = 0; i < list.length; i++) {
      if (!clean && !list.counts(i)) continue;
      if (fromBase && verdicts[i] !== undefined) continue;
      const v = verdicts[i] ?? judgePeer(keys[i], sigs[i], apiOnly[i]!, verdict);
      verdicts[i] = v;
      tally.add(v);
    }
    this.#last = new JudgedList(reuse.head, list, verdicts);
    if (tally.rotationRefusesNone) return { verdicts, allAuthorised: tally.refused === 0 };
    return settled(list, withObsoleteRotations(verdicts));
  }
}

function countTaken(taken: ArrayLike<number>): number {
  let n = 0;
  for (let j = 0; j < taken.length; j++) n += taken[j]!;
  return n;
}

function settled(list: PeerColumns, verdicts: readonly (PeerVerdict | undefined)[]): FullListVerdicts {
  let allAuthorised = true;
  for (let i = 0; i < list.length && allAuthorised; i++) {
    if (list.counts(i)) allAuthorised = verdicts[i]!.ok;
  }
  return { verdicts, allAuthorised };
}
