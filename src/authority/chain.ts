import { TlockError } from '../errors.js';
import { MAX_CHAIN_WALK } from '../limits.js';
import { aumParent } from '../model/aum.js';
import type { State } from '../model/state.js';
import { hashToBase32 } from '../wire/base32.js';
import { bytesEqual, toHex } from '../wire/bytes.js';
import { type ChainReads, type StoredAUM, chainReads, settled } from './chain-reads.js';
import { pickNext } from './forks.js';
import { stateAtHash } from './state-at.js';
import { applyAUM, withContext } from './state-machine.js';
import type { AumStore } from './store.js';

/**
 * Where an authority stands on its active chain (from the oldest stored ancestor, following the
 * chosen child to a head): the head, the oldest ancestor, and the state at the head.
 */
export interface ChainPosition {
  head: Uint8Array;
  oldest: Uint8Array;
  state: State;
}

function limitError(what: string): TlockError {
  return new TlockError(
    'LIMIT',
    `${what} went past ${MAX_CHAIN_WALK} AUMs (MAX_CHAIN_WALK); the store is damaged or hostile`,
  );
}

/**
 * Follows fork resolution (docs/FORMAT.md §5.5) from `start`, whose state is `state`, to a head. Each
 * step reads the children once and applies the chosen one; linear in the chain's length.
 */
export async function fastForward(
  reads: ChainReads,
  start: StoredAUM,
  state: State,
): Promise<{ head: StoredAUM; state: State }> {
  let cur = start;
  for (let i = 0; i <= MAX_CHAIN_WALK; i++) {
    const read = reads.children(cur.hash);
    const children = settled(read) ? read : await read;
    if (children.length === 0) return { head: cur, state };
    const next = pickNext(state, children);
    try {
      state = applyAUM(state, next.aum, next.hash);
    } catch (e) {
      withContext(e, `advancing state at ${hashToBase32(next.hash)}: `);
    }
    cur = next;
  }
  throw limitError('fast-forwarding along the active chain');
}

/**
 * The stored AUMs from `from` back towards the genesis, newest first: stops after `limit`
 * AUMs, at a genesis, at an AUM whose parent is not stored, or after including `stopAt` (hex).
 */
export async function walkBack(
  reads: ChainReads,
  from: Uint8Array,
  limit: number,
  stopAt?: string,
): Promise<StoredAUM[]> {
  const out: StoredAUM[] = [];
  let read = reads.get(from);
  let cur = settled(read) ? read : await read;
  while (cur !== undefined && out.length < limit) {
    out.push(cur);
    if (stopAt !== undefined && toHex(cur.hash) === stopAt) break;
    const parent = aumParent(cur.aum);
    if (parent === undefined) break;
    read = reads.get(parent);
    cur = settled(read) ? read : await read;
  }
  return out;
}

/**
 * Whether `ancestor` is `from` itself or one of its ancestors in `reads` (the walk stops at a
 * genesis, at a parent not there, or after MAX_CHAIN_WALK AUMs). Hashes are compared as stored.
 */
export async function chainContains(
  reads: Pick<ChainReads, 'get'>,
  from: Uint8Array,
  ancestor: Uint8Array,
): Promise<boolean> {
  let read = reads.get(from);
  let cur = settled(read) ? read : await read;
  for (let i = 0; cur !== undefined && i <= MAX_CHAIN_WALK; i++) {
    if (bytesEqual(cur.hash, ancestor)) return true;
    const parent = aumParent(cur.aum);
    if (parent === undefined) return false;
    read = reads.get(parent);
    cur = settled(read) ? read : await read;
  }
  return false;
}

/**
 * The oldest stored ancestor of every head (each AUM read once, whatever the number of heads,
 * unlike Tailscale's lockstep walk), then the one to start from: the only one, or the one whose
 * chain holds the last-active-ancestor hint.
 */
async function activeAncestor(reads: ChainReads, hint: Uint8Array | undefined): Promise<StoredAUM> {
  const stored = await reads.heads();
  if (stored.length === 0) {
    throw new TlockError(
      'NOT_FOUND',
      'the store holds no AUMs (no chain candidates): bootstrap it from a genesis AUM, or create a new authority',
    );
  }
  // One head, one chain: no walk can meet another, so nothing needs remembering on the way.
  if (stored.length === 1) return await oldestStored(reads, stored[0]!);
  const heads = stored.map((s) => ({ stored: s, hex: toHex(s.hash) }));
  const rootOf = new Map<string, string>();
  const rootAUM = new Map<string, StoredAUM>();
  let walked = 0;
  heads.sort((a, b) => (a.hex < b.hex ? -1 : 1));
  for (const head of heads) {
    const path: string[] = [];
    let cur = head.stored;
    let hex = head.hex;
    let root: string | undefined;
    while (root === undefined) {
      root = rootOf.get(hex);
      if (root !== undefined) break;
      path.push(hex);
      if (++walked > MAX_CHAIN_WALK) throw limitError('walking back from the heads');
      const parent = aumParent(cur.aum);
      const read = parent === undefined ? undefined : reads.get(parent);
      const parentAUM = settled(read) ? read : await read;
      if (parentAUM === undefined) {
        root = hex;
        rootAUM.set(hex, cur);
      } else {
        cur = parentAUM;
        hex = toHex(cur.hash);
      }
    }
    for (const hex of path) rootOf.set(hex, root);
  }
  const roots = [...rootAUM.keys()].sort();
  if (roots.length === 1) return rootAUM.get(roots[0]!)!;
  // Several unrelated chains: the one holding the hint was active when the hint was recorded.
  const hinted = hint === undefined ? undefined : rootOf.get(toHex(hint));
  if (hinted === undefined) {
    throw new TlockError(
      'NO_INTERSECTION',
      `the store holds ${roots.length} unrelated chains (multiple distinct chains) and no last-active-ancestor hint picks one; remove the foreign AUMs or re-bootstrap`,
    );
  }
  return rootAUM.get(hinted)!;
}

/** The oldest stored ancestor of `from`: the walk stops at a genesis or at a parent not stored. */
async function oldestStored(reads: ChainReads, from: StoredAUM): Promise<StoredAUM> {
  let cur = from;
  for (let walked = 1; ; walked++) {
    if (walked > MAX_CHAIN_WALK) throw limitError('walking back from the heads');
    const parent = aumParent(cur.aum);
    if (parent === undefined) return cur;
    const read = reads.get(parent);
    const parentAUM = settled(read) ? read : await read;
    if (parentAUM === undefined) return cur;
    cur = parentAUM;
  }
}

/**
 * Heads → chains → oldest ancestor → state there → fast-forward with fork resolution
 * (Tailscale's computeActiveChain), in time linear in the number of stored AUMs.
 */
export async function computeActiveChain(
  store: AumStore,
  hint: Uint8Array | undefined,
): Promise<ChainPosition> {
  const reads = chainReads(store);
  const oldest = await activeAncestor(reads, hint);
  let state: State;
  try {
    state = await stateAtHash(reads, oldest.hash);
  } catch (e) {
    withContext(e, 'computing the state at the oldest ancestor: ');
  }
  const { head, state: headState } = await fastForward(reads, oldest, state);
  // Copies: the stored hashes belong to the store.
  return { head: head.hash.slice(), oldest: oldest.hash.slice(), state: headState };
}
