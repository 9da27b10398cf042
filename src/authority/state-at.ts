import { TlockError } from '../errors.js';
import { MAX_CHAIN_WALK } from '../limits.js';
import { AUMKind, aumParent } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import type { State } from '../model/state.js';
import { hashToBase32 } from '../wire/base32.js';
import { toHex } from '../wire/bytes.js';
import { type ChainReads, type StoredAUM, settled } from './chain-reads.js';
import { applyAUM, checkpointState, emptyState } from './state-machine.js';

/*
 * The state at stored AUMs (Tailscale's computeStateAt): walk back from the AUM to the nearest
 * checkpoint (whose state is taken as it is) or genesis (a NoOp or AddKey applied to the empty
 * state), then apply the AUMs on the way back down, along the exact path walked, so the state
 * of an AUM on a losing fork can be computed too.
 *
 * Many targets are resolved together in time linear in the AUMs walked: the paths back from
 * all targets form a forest, each AUM is read once, and states are then pushed down the forest
 * depth-first. States are immutable, so siblings share their parent's state.
 */

interface PathNode extends StoredAUM {
  readonly hex: string;
  readonly children: PathNode[];
  target: boolean;
  /** The node's state, when it starts a computation (checkpoint, genesis, or known). */
  base?: State;
  /** Why the node's state (and its descendants') cannot be computed. */
  error?: TlockError;
}

const b32 = (h: Uint8Array): string => hashToBase32(h);

function genesisState(aum: AUM, hash: Uint8Array): State {
  if (aum.messageKind !== AUMKind.NoOp && aum.messageKind !== AUMKind.AddKey) {
    throw new TlockError(
      'REJECTED_AUM',
      `invalid genesis update ${b32(hash)}: only a Checkpoint, NoOp or AddKey AUM can have no parent`,
    );
  }
  try {
    return applyAUM(emptyState(), aum, hash);
  } catch (e) {
    if (e instanceof TlockError) {
      throw new TlockError(e.code, `applying genesis ${b32(hash)}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function newNode(stored: StoredAUM, hex: string, target: boolean): PathNode {
  return { aum: stored.aum, hash: stored.hash, hex, children: [], target };
}

/** Sets `node.base` or `node.error` when the walk stops at it; returns false to keep walking. */
function startsComputation(node: PathNode, known: ReadonlyMap<string, State>): boolean {
  const knownState = known.get(node.hex);
  if (knownState !== undefined) {
    node.base = knownState;
    return true;
  }
  try {
    if (node.aum.messageKind === AUMKind.Checkpoint) {
      node.base = checkpointState(node.aum, node.hash);
      return true;
    }
    if (aumParent(node.aum) === undefined) {
      node.base = genesisState(node.aum, node.hash);
      return true;
    }
  } catch (e) {
    if (!(e instanceof TlockError)) throw e;
    node.error = e;
    return true;
  }
  return false;
}

export type StateOrError = State | TlockError;

/**
 * The state at each target hash, or the TlockError saying why it cannot be computed
 * (NOT_FOUND when the target or an ancestor on its path is not stored). `known` holds states
 * already known by hash (hex), e.g. the authority's state at its head. Throws only for a
 * LIMIT (more than MAX_CHAIN_WALK AUMs walked) or a storage error.
 */
export async function resolveStates(
  reads: ChainReads,
  targets: readonly Uint8Array[],
  known: ReadonlyMap<string, State> = new Map(),
): Promise<Map<string, StateOrError>> {
  const result = new Map<string, StateOrError>();
  const nodes = new Map<string, PathNode>();
  const roots: PathNode[] = [];
  let walked = 0;

  for (const target of targets) {
    const hex = toHex(target);
    const seen = nodes.get(hex);
    if (seen !== undefined) {
      seen.target = true;
      continue;
    }
    if (result.has(hex)) continue;
    const read = reads.get(target);
    const top = settled(read) ? read : await read;
    if (top === undefined) {
      result.set(hex, new TlockError('NOT_FOUND', `AUM ${b32(target)} is not stored`));
      continue;
    }
    let node = newNode(top, hex, true);
    nodes.set(hex, node);
    for (;;) {
      if (++walked > MAX_CHAIN_WALK) {
        throw new TlockError(
          'LIMIT',
          `computing a state walked more than ${MAX_CHAIN_WALK} AUMs back without reaching a checkpoint or genesis (MAX_CHAIN_WALK); the store is damaged or hostile`,
        );
      }
      if (startsComputation(node, known)) {
        roots.push(node);
        break;
      }
      const parent = aumParent(node.aum)!;
      const parentHex = toHex(parent);
      const existing = nodes.get(parentHex);
      if (existing !== undefined) {
        existing.children.push(node);
        break;
      }
      const parentRead = reads.get(parent);
      const parentAUM = settled(parentRead) ? parentRead : await parentRead;
      if (parentAUM === undefined) {
        node.error = new TlockError(
          'NOT_FOUND',
          `reading parent: AUM ${b32(parent)} (parent of ${b32(node.hash)}) is not stored, and no checkpoint after it is`,
        );
        roots.push(node);
        break;
      }
      const parentNode = newNode(parentAUM, parentHex, false);
      nodes.set(parentHex, parentNode);
      parentNode.children.push(node);
      node = parentNode;
    }
  }

  pushStatesDown(roots, result);
  return result;
}

/** Depth-first from each root: a node's state is its parent's with the node applied. */
function pushStatesDown(roots: readonly PathNode[], result: Map<string, StateOrError>): void {
  const stack: [PathNode, StateOrError][] = roots.map((r) => [r, r.error ?? r.base!]);
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, state] = top;
    if (node.target) result.set(node.hex, state);
    for (const child of node.children) {
      let childState: StateOrError;
      if (state instanceof TlockError) {
        childState = state;
      } else {
        try {
          childState = applyAUM(state, child.aum, child.hash);
        } catch (e) {
          if (!(e instanceof TlockError)) throw e;
          childState = new TlockError(e.code, `advancing state at ${b32(child.hash)}: ${e.message}`, {
            cause: e,
          });
        }
      }
      stack.push([child, childState]);
    }
  }
}

/** The state at one stored AUM; throws the reason it cannot be computed. */
export async function stateAtHash(
  reads: ChainReads,
  hash: Uint8Array,
  known?: ReadonlyMap<string, State>,
): Promise<State> {
  const r = (await resolveStates(reads, [hash], known)).get(toHex(hash));
  if (r === undefined || r instanceof TlockError) {
    throw r ?? new TlockError('NOT_FOUND', `AUM ${b32(hash)} is not stored`);
  }
  return r;
}
