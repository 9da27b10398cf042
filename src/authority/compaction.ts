import { TlockError } from '../errors.js';
import { COMPACTION_MIN_AGE_MS, COMPACTION_MIN_CHAIN, MAX_COMPACTION_STEPS } from '../limits.js';
import { AUMKind, aumParent } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { hashToBase32 } from '../wire/base32.js';
import { fromHex, toHex } from '../wire/bytes.js';
import { type ChainReads, chainReads } from './chain-reads.js';
import type { CompactableStore } from './store.js';

/*
 * Compaction (docs/FORMAT.md §9.3; Tailscale's Compact): forget AUMs that no longer matter, keeping
 * at least `minChain` AUMs back from the head, every AUM younger than `minAge`, the forks that
 * branch off what is kept, and the paths joining kept AUMs to the new oldest ancestor, which is
 * always a checkpoint (or the genesis).
 */

export interface CompactionOptions {
  /** AUMs to keep back from the head (the kept chain may be longer, to reach a checkpoint). */
  minChain?: number;
  /** Milliseconds an AUM is kept after it was committed. */
  minAge?: number;
  /** The clock (ms since the epoch); tests inject one. */
  now?: () => number;
}

const ACTIVE = 1; // on the active chain, within the kept window
const YOUNG = 2; // committed less than minAge ago
const LEAF = 4; // a descendant of a kept AUM
const ANCESTOR = 8; // on a path joining a kept AUM to the new ancestor
const CANDIDATE = 16; // on the active chain, older than the window
const KEEP = ACTIVE | YOUNG | LEAF | ANCESTOR;

class Compaction {
  readonly verdict = new Map<string, number>();
  readonly #cache = new Map<string, AUM>();
  readonly #reads: ChainReads;
  #steps = 0;

  constructor(readonly store: CompactableStore) {
    this.#reads = chainReads(store);
  }

  mark(hex: string, flag: number): void {
    this.verdict.set(hex, (this.verdict.get(hex) ?? 0) | flag);
  }

  has(hex: string, flags: number): boolean {
    return ((this.verdict.get(hex) ?? 0) & flags) !== 0;
  }

  /** Every walk step counts: a damaged or hostile store cannot make compaction loop forever. */
  async get(hex: string, what: string): Promise<AUM | undefined> {
    if (++this.#steps > MAX_COMPACTION_STEPS) {
      throw new TlockError(
        'LIMIT',
        `compaction: walked more than ${MAX_COMPACTION_STEPS} AUMs (MAX_COMPACTION_STEPS); the store is damaged or hostile`,
      );
    }
    let aum = this.#cache.get(hex);
    if (aum === undefined) {
      aum = (await this.#reads.get(fromHex(hex)))?.aum;
      if (aum !== undefined) this.#cache.set(hex, aum);
    }
    if (aum === undefined && what !== '') {
      throw new TlockError(
        'NOT_FOUND',
        `compaction: ${what}: AUM ${hashToBase32(fromHex(hex))} is not stored`,
      );
    }
    return aum;
  }

  /** The hashes (hex) of the children of `hex`. */
  async children(hex: string): Promise<string[]> {
    const kids = (await this.#reads.children(fromHex(hex))).map((k) => ({ hex: toHex(k.hash), aum: k.aum }));
    for (const k of kids) this.#cache.set(k.hex, k.aum);
    return kids.map((k) => k.hex);
  }
}

const parentHex = (aum: AUM): string | undefined => {
  const p = aumParent(aum);
  return p === undefined ? undefined : toHex(p);
};

async function markYoung(c: Compaction, minAge: number, now: number): Promise<void> {
  for (const hex of c.verdict.keys()) {
    const t = await c.store.commitTime(fromHex(hex));
    if (t === undefined) {
      throw new TlockError(
        'STORAGE',
        `compaction: AUM ${hashToBase32(fromHex(hex))} is listed but has no commit time`,
      );
    }
    if (t > now - minAge) c.mark(hex, YOUNG);
  }
}

/** Step 3: the kept window of the active chain; returns the provisional ancestor. */
async function markActiveChain(c: Compaction, head: string, minChain: number): Promise<string> {
  let h = head;
  let next = (await c.get(h, 'reading the head'))!;
  for (let i = 0; i < minChain; i++) {
    c.mark(h, ACTIVE);
    const p = parentHex(next);
    const parent = p === undefined ? undefined : await c.get(p, '');
    if (parent === undefined) return h; // the chain is not long enough to truncate
    [h, next] = [p!, parent];
  }
  // Go on back to a checkpoint that is old enough (a young one is passed over) or has no parent.
  const ancestor = await markBackToCheckpoint(
    c,
    h,
    (cp, parent) => !c.has(cp, YOUNG) || parent === undefined,
  );
  // Everything older on the active chain is a candidate for deletion.
  for (let p = parentHex((await c.get(ancestor, ''))!); p !== undefined;) {
    const parent = await c.get(p, '');
    if (parent === undefined) break;
    c.mark(p, CANDIDATE);
    p = parentHex(parent);
  }
  return ancestor;
}

/** Step 4: every descendant of a kept AUM is kept (this runs before step 5, as in Tailscale). */
async function markDescendants(c: Compaction): Promise<void> {
  let toScan = [...c.verdict.keys()].filter((h) => c.has(h, KEEP));
  while (toScan.length > 0) {
    const next: string[] = [];
    for (const h of toScan) {
      if (c.has(h, LEAF)) continue;
      c.mark(h, LEAF);
      next.push(...(await c.children(h)));
    }
    toScan = next;
  }
}

/** Marks active-chain candidates from `from` forward to the kept window as Ancestor. */
async function markCandidatesForward(c: Compaction, from: string): Promise<void> {
  let cur = from;
  for (;;) {
    const kid = (await c.children(cur)).find((h) => c.has(h, CANDIDATE) && !c.has(h, ACTIVE));
    if (kid === undefined || c.has(kid, ANCESTOR)) return; // marked before: the rest is too
    c.mark(kid, ANCESTOR);
    cur = kid;
  }
}

/** Step 5: join every kept AUM to the ancestor, moving it back if a fork joins earlier. */
async function markAncestorIntersection(c: Compaction, provisional: string): Promise<string> {
  let candidate = provisional;
  let moved = false;
  let toScan = [...c.verdict.keys()].filter((h) => c.has(h, KEEP) && h !== provisional);
  while (toScan.length > 0) {
    const next: string[] = [];
    for (const h of toScan) {
      if (c.has(h, ANCESTOR)) continue;
      c.mark(h, ANCESTOR);
      const p = parentHex((await c.get(h, 'joining kept AUMs to the ancestor'))!);
      if (p === undefined) {
        throw new TlockError(
          'REJECTED_AUM',
          'compaction: reached a genesis AUM without meeting the active chain (the store holds an unrelated chain)',
        );
      }
      if (c.has(p, KEEP)) continue;
      if (c.has(p, CANDIDATE)) {
        // A kept fork joins the active chain before the ancestor: the ancestor moves back to it.
        candidate = p;
        moved = true;
        c.mark(p, ANCESTOR);
        await markCandidatesForward(c, p);
      }
      next.push(p);
    }
    toScan = next;
  }
  if (!moved) return candidate;
  // The ancestor must be a checkpoint: go back to one.
  return await markBackToCheckpoint(c, candidate, () => true);
}

/**
 * Marks Active from `from` back to the first checkpoint that `takes` (given its hash and its
 * parent's), and returns that checkpoint's hash.
 */
async function markBackToCheckpoint(
  c: Compaction,
  from: string,
  takes: (checkpoint: string, parent: string | undefined) => boolean,
): Promise<string> {
  for (let h = from; ;) {
    const aum = (await c.get(h, 'searching for compaction target'))!;
    c.mark(h, ACTIVE);
    const p = parentHex(aum);
    if (aum.messageKind === AUMKind.Checkpoint && takes(h, p)) return h;
    if (p === undefined) {
      throw new TlockError(
        'REJECTED_AUM',
        'compaction: reached a genesis AUM without finding a checkpoint to keep',
      );
    }
    h = p;
  }
}

function requirePositive(value: number, what: string): number {
  if (typeof value !== 'number' || !(value > 0)) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `compaction: ${what} must be a positive number, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Purges what is no longer needed and returns the new oldest ancestor, after recording it as
 * the store's last-active-ancestor hint. Linear in the number of stored AUMs.
 */
export async function compactStore(
  store: CompactableStore,
  head: Uint8Array,
  opts: CompactionOptions = {},
): Promise<Uint8Array> {
  const minChain = requirePositive(opts.minChain ?? COMPACTION_MIN_CHAIN, 'minChain');
  const minAge = requirePositive(opts.minAge ?? COMPACTION_MIN_AGE_MS, 'minAge');
  const now = (opts.now ?? Date.now)();
  const c = new Compaction(store);
  const live = (await store.allAUMs()).map((h) => toHex(h));
  for (const h of live) c.verdict.set(h, 0);
  await markYoung(c, minAge, now);
  const provisional = await markActiveChain(c, toHex(head), Math.ceil(minChain));
  await markDescendants(c);
  const ancestor = await markAncestorIntersection(c, provisional);
  const doomed = live.filter((h) => !c.has(h, KEEP)).sort();
  const ancestorHash = fromHex(ancestor);
  await store.setLastActiveAncestor(ancestorHash);
  await store.purge(doomed.map((h) => fromHex(h)));
  return ancestorHash;
}
