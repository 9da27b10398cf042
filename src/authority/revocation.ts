import { TlockError } from '../errors.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { MAX_CHAIN_WALK } from '../limits.js';
import { AUMKind, aumParent, validateAUM } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { type State, cloneState, findKey, findKeyIndex } from '../model/state.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';
import { bytesEqual, fromHex, requireBytes, toHex } from '../wire/bytes.js';
import { requireSigningKey } from '../crypto/require-signing-key.js';
import { signAUM } from './aum-signing.js';
import { chainReads } from './chain-reads.js';
import { type ChainPosition, walkBack } from './chain.js';
import { describeKeyID } from '../wire/keytext.js';
import { stateAtHash } from './state-at.js';
import { applyAUM, withContext } from './state-machine.js';
import type { AumStore } from './store.js';

/*
 * Retroactive revocation (docs/FORMAT.md §5.8): a Checkpoint that forks the chain from
 * before compromised keys were trusted, holding the current state minus those keys. It wins the
 * fork at its parent only if its signers' votes there outweigh the existing child's.
 */

const trustsAny = (state: State, ids: readonly Uint8Array[]): boolean =>
  ids.some((id) => findKey(state, id) !== undefined);

/**
 * Tailscale's findParentForRewrite, in one pass: walking back from the head, the first AUM
 * whose state trusts none of `removeKeys` and does trust `ourKey`; failing that, the oldest
 * ancestor (or the genesis), where the walk stops whatever the state there.
 */
export async function findParentForRewrite(
  store: AumStore,
  pos: ChainPosition,
  removeKeys: readonly Uint8Array[],
  ourKey: Uint8Array,
): Promise<Uint8Array> {
  const reads = chainReads(store);
  const oldestHex = toHex(pos.oldest);
  const path = await walkBack(reads, pos.head, MAX_CHAIN_WALK + 1, oldestHex);
  const last = path[path.length - 1];
  if (last === undefined || (toHex(last.hash) !== oldestHex && aumParent(last.aum) !== undefined)) {
    throw new TlockError(
      path.length > MAX_CHAIN_WALK ? 'LIMIT' : 'NOT_FOUND',
      'cannot walk the active chain back to its oldest ancestor: an AUM is missing from the store, or the chain is longer than MAX_CHAIN_WALK',
    );
  }
  // States forward from the oldest end, keeping one verdict per AUM, not every state.
  const fits: boolean[] = new Array<boolean>(path.length);
  let state = await stateAtHash(reads, last.hash);
  for (let i = path.length - 1; i >= 0; i--) {
    if (i < path.length - 1) state = applyAUM(state, path[i]!.aum, path[i]!.hash);
    fits[i] = !trustsAny(state, removeKeys) && findKey(state, ourKey) !== undefined;
  }
  for (const [i, { aum, hash }] of path.entries()) {
    if (toHex(hash) === oldestHex || fits[i] || aumParent(aum) === undefined) return hash.slice();
  }
  return last.hash.slice();
}

function parseForkFrom(forkFrom: Uint8Array | string | undefined): Uint8Array | undefined {
  if (forkFrom === undefined) return undefined;
  const h = typeof forkFrom === 'string' ? hashFromText(forkFrom) : requireBytes(forkFrom, 'forkFrom', 32);
  return h.every((b) => b === 0) ? undefined : h; // the zero hash means "choose for me", as in Tailscale
}

/** An AUM hash as 64 hex characters or 52 base32 ones (both accepted by `tailscale lock revoke-keys`). */
function hashFromText(text: string): Uint8Array {
  return /^[0-9a-fA-F]{64}$/.test(text) ? fromHex(text, 'forkFrom') : hashFromBase32(text);
}

/**
 * An unsigned recovery Checkpoint revoking `removeKeyIDs` (Tailscale's
 * MakeRetroactiveRevocation). Its parent is `forkFrom` if given, else found automatically; its
 * state is the current state without those keys (later keys, votes, disablement values and
 * state IDs kept). Stricter than Tailscale: refuses when `ourKeyID` is not trusted at the
 * parent, since our own signature would then make the AUM invalid everywhere.
 */
export async function makeRetroactiveRevocation(
  store: AumStore,
  pos: ChainPosition,
  removeKeyIDs: readonly Uint8Array[],
  ourKeyID: Uint8Array,
  forkFrom?: Uint8Array | string,
): Promise<AUM> {
  if (!(removeKeyIDs instanceof Array) || removeKeyIDs.length === 0) {
    throw new TlockError('INVALID_ARGUMENT', 'makeRetroactiveRevocation: give at least one key ID to revoke');
  }
  removeKeyIDs.forEach((id, i) => requireBytes(id, `makeRetroactiveRevocation: removeKeyIDs[${i}]`));
  requireBytes(ourKeyID, 'makeRetroactiveRevocation: ourKeyID');
  let parent = parseForkFrom(forkFrom);
  if (parent === undefined) {
    if (!trustsAny(pos.state, removeKeyIDs)) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        'no provided key is currently trusted: there is nothing to revoke (give --fork-from to rewrite from a chosen AUM)',
      );
    }
    parent = await findParentForRewrite(store, pos, removeKeyIDs, ourKeyID);
  }
  let parentState: State;
  try {
    parentState = await stateAtHash(chainReads(store), parent);
  } catch (e) {
    withContext(e, `fork point ${hashToBase32(parent)}: `);
  }
  if (findKey(parentState, ourKeyID) === undefined) {
    throw new TlockError(
      'UNTRUSTED_KEY',
      `${describeKeyID(ourKeyID)} was not trusted at the fork point ${hashToBase32(parent)}, so its signature would make the recovery AUM invalid everywhere; fork from a later AUM (forkFrom) or let a key trusted there make it`,
    );
  }

  const state = cloneState(pos.state);
  for (const id of removeKeyIDs) {
    const i = findKeyIndex(state, id);
    if (i >= 0) state.keys!.splice(i, 1);
  }
  if ((state.keys ?? []).length === 0) {
    throw new TlockError('INVALID_ARGUMENT', 'cannot revoke all trusted keys (disable Tailnet Lock instead)');
  }
  state.lastAUMHash = null; // checkpoints cannot name a parent in their state
  const aum: AUM = { messageKind: AUMKind.Checkpoint, prevAUMHash: parent.slice(), state };
  validateAUM(aum);
  return aum;
}

/**
 * Adds `signer`'s signature to a recovery AUM (the first signer too). Refuses a signer already
 * on it, and one not trusted at the fork point: every signature must be by a key trusted at the
 * AUM's parent, so that signature would make the AUM invalid for every receiver.
 */
export async function cosignRevocation(store: AumStore, aum: AUM, signer: SigningKey): Promise<AUM> {
  requireSigningKey(signer, 'cosignRevocation: signer');
  const parent = typeof aum === 'object' && aum !== null ? aumParent(aum) : undefined;
  if (aum?.messageKind !== AUMKind.Checkpoint || parent === undefined || aum.state === undefined) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      'cosignRevocation: expected a recovery Checkpoint AUM with a parent',
    );
  }
  if ((aum.signatures ?? []).some((s) => s.keyID !== null && bytesEqual(s.keyID, signer.publicKey))) {
    throw new TlockError(
      'CONFLICT',
      `${describeKeyID(signer.publicKey)} has already signed this recovery AUM`,
    );
  }
  let parentState: State;
  try {
    parentState = await stateAtHash(chainReads(store), parent);
  } catch (e) {
    withContext(e, `fork point ${hashToBase32(parent)}: `);
  }
  if (findKey(parentState, signer.publicKey) === undefined) {
    throw new TlockError(
      'UNTRUSTED_KEY',
      `${describeKeyID(signer.publicKey)} was not trusted at the fork point ${hashToBase32(parent)}; every signature on an AUM must be by a key trusted at its parent, so this one would make the recovery AUM invalid everywhere`,
    );
  }
  return signAUM(aum, signer);
}
