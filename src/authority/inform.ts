import { TlockError } from '../errors.js';
import { aumHash, aumParent } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import type { State } from '../model/state.js';
import { toHex } from '../wire/bytes.js';
import { type ChainReads, chainReads } from './chain-reads.js';
import { type ChainPosition, computeActiveChain } from './chain.js';
import { type StateOrError, resolveStates } from './state-at.js';
import { applyAUM, verifyAUM, withContext } from './state-machine.js';
import type { AumStore } from './store.js';

interface PlannedUpdate {
  index: number;
  aum: AUM;
  hash: Uint8Array;
  hex: string;
  parentHex: string | undefined;
}

/**
 * Hashes the batch, drops AUMs already stored (or repeated), and lists the parents whose state
 * must come from the store: those that are neither the head nor earlier in the batch.
 */
async function plan(
  reads: ChainReads,
  updates: readonly AUM[],
  headHex: string,
): Promise<{ todo: PlannedUpdate[]; skipped: boolean; storeTargets: Uint8Array[] }> {
  const todo: PlannedUpdate[] = [];
  const inBatch = new Set<string>();
  const storeTargets: Uint8Array[] = [];
  let skipped = false;
  for (const [index, aum] of updates.entries()) {
    let hash: Uint8Array;
    try {
      hash = aumHash(aum);
    } catch (e) {
      withContext(e, `update ${index} invalid: `);
    }
    const hex = toHex(hash);
    if (inBatch.has(hex) || (await reads.get(hash)) !== undefined) {
      skipped = true;
      continue;
    }
    const parent = aumParent(aum);
    const parentHex = parent === undefined ? undefined : toHex(parent);
    if (parent !== undefined && parentHex !== headHex && !inBatch.has(parentHex!)) storeTargets.push(parent);
    todo.push({ index, aum, hash, hex, parentHex });
    inBatch.add(hex);
  }
  return { todo, skipped, storeTargets };
}

/**
 * Verifies a batch of AUMs and stores it, all or nothing (docs/FORMAT.md §5.6; Tailscale's
 * InformIdempotent). AUMs already stored are skipped; every other one needs a parent that is
 * the head, stored, or earlier in the batch, and must verify against the state at its parent.
 * Nothing is committed unless every AUM passes. Returns the new position; `current` is not changed.
 */
export async function informBatch(
  store: AumStore,
  current: ChainPosition,
  updates: readonly AUM[],
): Promise<ChainPosition> {
  if (!Array.isArray(updates)) {
    throw new TlockError('INVALID_ARGUMENT', 'inform: updates must be an array of AUMs, oldest first');
  }
  if (updates.length === 0)
    throw new TlockError('INVALID_ARGUMENT', 'inform called with empty slice: give at least one AUM');
  const reads = chainReads(store);
  const headHex = toHex(current.head);
  const { todo, skipped, storeTargets } = await plan(reads, updates, headHex);
  const fromStore = await resolveStates(reads, storeTargets, new Map([[headHex, current.state]]));

  const stateAfter = new Map<string, State>();
  let isHeadChain = !skipped;
  let prevHex = headHex;
  for (const u of todo) {
    if (u.parentHex === undefined) {
      throw new TlockError(
        'REJECTED_AUM',
        `update ${u.index}: missing parent (a genesis cannot be informed)`,
      );
    }
    const state: StateOrError | undefined =
      stateAfter.get(u.parentHex) ?? (u.parentHex === headHex ? current.state : fromStore.get(u.parentHex));
    if (state === undefined || state instanceof TlockError) {
      const why = state ?? new TlockError('NOT_FOUND', 'parent is not stored');
      withContext(why, `update ${u.index} computing state: `, 'REJECTED_AUM');
    }
    try {
      verifyAUM(u.aum, state);
    } catch (e) {
      withContext(e, `update ${u.index} invalid: `);
    }
    try {
      stateAfter.set(u.hex, applyAUM(state, u.aum, u.hash));
    } catch (e) {
      withContext(e, `update ${u.index} cannot be applied: `);
    }
    if (u.parentHex !== prevHex) isHeadChain = false;
    prevHex = u.hex;
  }

  if (todo.length > 0) await store.commit(todo.map((u) => u.aum));

  // Another writer may have given the old head a child meanwhile; then fork resolution decides.
  if (isHeadChain && (await reads.children(current.head)).length === 1) {
    // Fast path: the batch extends the head in a line, so the last state computed is the new one.
    const last = todo[todo.length - 1]!;
    return { head: last.hash, oldest: current.oldest, state: stateAfter.get(last.hex)! };
  }
  return await computeActiveChain(store, current.oldest);
}
