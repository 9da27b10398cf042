import { TlockError, type TlockErrorCode } from '../errors.js';
import { verifyZip215 } from '../crypto/ed25519.js';
import { AUMKind, aumParent, aumSigHash, validateAUM } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { type Key, KEY_KIND_ED25519, cloneKey, keyIDOf, validateKey } from '../model/key.js';
import { type State, cloneState, findKey, findKeyIndex, stateIDs } from '../model/state.js';
import { bytesEqual, toHex } from '../wire/bytes.js';

// The state machine of docs/FORMAT.md §5: which AUMs are accepted against the state before them, and
// what applying one does. States are treated as immutable: applying returns a new State that
// may share unchanged parts (key objects, disablement values) with the old one.

const EMPTY = new Uint8Array(0);

/** Re-throws a TlockError with context in front of its message, keeping its code and cause. */
export function withContext(e: unknown, prefix: string, code?: TlockErrorCode): never {
  if (e instanceof TlockError) throw new TlockError(code ?? e.code, `${prefix}${e.message}`, { cause: e });
  throw e;
}

function reject(message: string, code: TlockErrorCode = 'REJECTED_AUM'): never {
  throw new TlockError(code, message);
}

/** docs/FORMAT.md §5.2, parent check: the AUM must name the state's last AUM as its parent. */
function checkParent(aum: AUM, state: State): void {
  const parent = aumParent(aum);
  if (parent === undefined) reject('aum has no parent');
  if (state.lastAUMHash === null) {
    reject('cannot check update parent hash against a state with no previous AUM');
  }
  if (!bytesEqual(state.lastAUMHash, parent)) {
    reject(
      `aum with parent ${toHex(parent)} cannot be applied to a state with parent ${toHex(state.lastAUMHash)}`,
    );
  }
}

/**
 * Accepts or refuses an AUM against the state before it (docs/FORMAT.md §5.2; Tailscale's aumVerify).
 * A genesis checkpoint is verified against its own state, without the parent check. Throws
 * TlockError: INVALID_AUM (static rules), UNTRUSTED_KEY, BAD_SIGNATURE, or REJECTED_AUM.
 */
export function verifyAUM(aum: AUM, state: State, opts: { genesis?: boolean } = {}): void {
  try {
    validateAUM(aum);
  } catch (e) {
    withContext(e, 'invalid: ');
  }
  if (opts.genesis !== true) checkParent(aum, state);

  const sigs = aum.signatures ?? [];
  if (sigs.length === 0) reject('unsigned AUM');
  const sigHash = aumSigHash(aum);
  sigs.forEach((sig, i) => {
    // docs/FORMAT.md §5.2: every signature must be by a key trusted in the state before the AUM.
    let key: Key | undefined;
    try {
      key = findKey(state, sig.keyID);
    } catch (e) {
      withContext(e, `bad keyID on signature ${i}: `, 'UNTRUSTED_KEY');
    }
    if (key === undefined) reject(`bad keyID on signature ${i}: key not found`, 'UNTRUSTED_KEY');
    // The public key comes from the state, never from the (attacker-chosen) keyID.
    const pub = key.public ?? EMPTY;
    if (pub.length !== 32) {
      reject(`signature ${i}: ed25519 key has wrong length: ${pub.length}`, 'BAD_SIGNATURE');
    }
    if (!verifyZip215(pub, sigHash, sig.signature ?? EMPTY)) {
      reject(`signature ${i}: invalid signature`, 'BAD_SIGNATURE');
    }
  });

  if (aum.messageKind === AUMKind.RemoveKey) {
    const keys = state.keys ?? [];
    if (keys.length === 1 && findKey(state, aum.keyID) !== undefined) {
      reject('cannot remove the last trusted key (disable Tailnet Lock instead)');
    }
  }
}

function withLast(state: State, hash: Uint8Array): State {
  return { ...state, lastAUMHash: hash };
}

/**
 * Applies an accepted AUM (docs/FORMAT.md §5.3; Tailscale's applyVerifiedAUM) and returns the new state,
 * whose lastAUMHash is `hash`, the AUM's own hash. Throws REJECTED_AUM (or INVALID_AUM for an
 * UpdateKey whose result is not a valid key).
 */
export function applyAUM(state: State, aum: AUM, hash: Uint8Array): State {
  // The raw parent bytes must equal the last hash (a state with no last AUM takes anything).
  if (state.lastAUMHash !== null && !bytesEqual(state.lastAUMHash, aum.prevAUMHash ?? EMPTY)) {
    reject('parent AUMHash mismatch');
  }
  switch (aum.messageKind) {
    case AUMKind.Checkpoint:
      return applyCheckpoint(state, aum, hash);
    case AUMKind.AddKey: {
      if (aum.key === undefined) reject('no key to add provided');
      if (aum.key.kind !== KEY_KIND_ED25519) reject(`unknown key kind: ${aum.key.kind}`);
      if (findKey(state, aum.key.public) !== undefined) reject('key already exists');
      return { ...withLast(state, hash), keys: [...(state.keys ?? []), cloneKey(aum.key)] };
    }
    case AUMKind.UpdateKey:
      return applyUpdateKey(state, aum, hash);
    case AUMKind.RemoveKey: {
      const i = findKeyIndex(state, aum.keyID);
      if (i < 0) reject('key not found');
      const keys = [...state.keys!];
      keys.splice(i, 1);
      return { ...withLast(state, hash), keys };
    }
    default:
      // NoOp, and kinds this version does not know: no-ops (forward compatibility, docs/FORMAT.md §5.1).
      return withLast(state, hash);
  }
}

function applyCheckpoint(state: State, aum: AUM, hash: Uint8Array): State {
  if (aum.state === undefined) reject('missing checkpoint state');
  const [want1, want2] = stateIDs(state);
  const [got1, got2] = stateIDs(aum.state);
  if (want1 !== got1 || want2 !== got2) reject('checkpointed state has an incorrect stateID');
  return withLast(cloneState(aum.state), hash);
}

function applyUpdateKey(state: State, aum: AUM, hash: Uint8Array): State {
  const i = findKeyIndex(state, aum.keyID);
  if (i < 0) reject('key not found');
  const updated = cloneKey(state.keys![i]!);
  if (aum.votes !== undefined) updated.votes = aum.votes;
  if (aum.meta !== undefined) updated.meta = { ...aum.meta };
  try {
    validateKey(updated, 'updated key');
  } catch (e) {
    withContext(e, 'updated key fails validation: ');
  }
  // Every key with that ID is replaced, as in Go (a valid state has one).
  const id = aum.keyID ?? EMPTY;
  const keys = state.keys!.map((k) => (bytesEqual(keyIDOf(k), id) ? updated : k));
  return { ...withLast(state, hash), keys };
}

/** The state a checkpoint carries, as it stands once the checkpoint is applied. */
export function checkpointState(aum: AUM, hash: Uint8Array): State {
  if (aum.state === undefined) reject('missing checkpoint state');
  return withLast(cloneState(aum.state), hash);
}

/** The empty state a non-checkpoint genesis (NoOp or AddKey) applies to. */
export function emptyState(): State {
  return { lastAUMHash: null, disablementValues: null, keys: null };
}
