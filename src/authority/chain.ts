import { TlockError } from '../errors.js';
import { MAX_CHAIN_WALK } from '../limits.js';
import { aumParent } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import type { State } from '../model/state.js';
import { hashToBase32 } from '../wire/base32.js';
import { toHex } from '../wire/bytes.js';
import { pickNext } from './forks.js';
import { storedHash, storedHex } from './hash-cache.js';
import { stateAtHash } from './state-at.js';
import { applyAUM, withContext } from './state-machine.js';
import { type AumStore, type ChainReads, chainReads } from './store.js';

/** The active chain: from the oldest stored ancestor, following the chosen child to a head. */
export interface ActiveChain {
  oldest: AUM;
  head: AUM;
  /** The state at `head`. */
  state: State;
}

function limitError(what: string): TlockError {
  return new TlockError(
    'LIMIT',
    `${what} went past ${MAX_CHAIN_WALK} AUMs (MAX_CHAIN_WALK); the store is damaged or hostile`,
  );
}

/**
 * Follows fork resolution (format §3) from `start`, whose state is `state`, to a head. Each
 * step reads the children once and applies the chosen one; linear in the chain's length.
 */
export async function fastForward(
  store: ChainReads,
  start: AUM,
  state: State,
): Promise<{ head: AUM; state: State }> {
  let cur = start;
  for (let i = 0; i <= MAX_CHAIN_WALK; i++) {
    const children = await store.children(storedHash(cur));
    if (children.length === 0) return { head: cur, state };
    const next = pickNext(state, children);
    try {
      state = applyAUM(state, next, storedHash(next));
    } catch (e) {
      withContext(e, `advancing state at ${hashToBase32(storedHash(next))}: `);
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
  store: AumStore,
  from: Uint8Array,
  limit: number,
  stopAt?: string,
): Promise<AUM[]> {
  const out: AUM[] = [];
  let cur = await store.get(from);
  while (cur !== undefined && out.length < limit) {
    out.push(cur);
    if (storedHex(cur) === stopAt) break;
    const parent = aumParent(cur);
    if (parent === undefined) break;
    cur = await store.get(parent);
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
  const target = toHex(ancestor);
  let cur = await reads.get(from);
  for (let i = 0; cur !== undefined && i <= MAX_CHAIN_WALK; i++) {
    if (storedHex(cur) === target) return true;
    const parent = aumParent(cur);
    if (parent === undefined) return false;
    cur = await reads.get(parent);
  }
  return false;
}

/**
 * The oldest stored ancestor of every head (each AUM read once, whatever the number of heads,
 * unlike Tailscale's lockstep walk), then the one to start from: the only one, or the one whose
 * chain holds the last-active-ancestor hint.
 */
async function activeAncestor(store: ChainReads, hint: Uint8Array | undefined): Promise<AUM> {
  const heads = await store.heads();
  if (heads.length === 0) {
    throw new TlockError(
      'NOT_FOUND',
      'the store holds no AUMs (no chain candidates): bootstrap it from a genesis AUM, or create a new authority',
    );
  }
  const rootOf = new Map<string, string>();
  const rootAUM = new Map<string, AUM>();
  let walked = 0;
  const sortedHeads = [...heads].sort((a, b) => (storedHex(a) < storedHex(b) ? -1 : 1));
  for (const head of sortedHeads) {
    const path: string[] = [];
    let cur = head;
    let root: string | undefined;
    while (root === undefined) {
      const hex = storedHex(cur);
      root = rootOf.get(hex);
      if (root !== undefined) break;
      path.push(hex);
      if (++walked > MAX_CHAIN_WALK) throw limitError('walking back from the heads');
      const parent = aumParent(cur);
      const parentAUM = parent === undefined ? undefined : await store.get(parent);
      if (parentAUM === undefined) {
        root = hex;
        rootAUM.set(hex, cur);
      } else {
        cur = parentAUM;
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

/**
 * Heads → chains → oldest ancestor → state there → fast-forward with fork resolution
 * (Tailscale's computeActiveChain), in time linear in the number of stored AUMs.
 */
export async function computeActiveChain(
  store: AumStore,
  hint: Uint8Array | undefined,
): Promise<ActiveChain> {
  const reads = chainReads(store); // no copies: nothing read here leaves but hashes and new states
  const oldest = await activeAncestor(reads, hint);
  let state: State;
  try {
    state = await stateAtHash(reads, storedHash(oldest));
  } catch (e) {
    withContext(e, 'computing the state at the oldest ancestor: ');
  }
  const { head, state: headState } = await fastForward(reads, oldest, state);
  return { oldest, head, state: headState };
}
