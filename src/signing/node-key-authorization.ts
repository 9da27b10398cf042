import { TlockError, isTlockError } from '../errors.js';
import { verifyStandard, verifyZip215StrictR } from '../crypto/ed25519.js';
import { isSmallOrderEncoding } from '../crypto/small-order.js';
import {
  type DecodedNKS,
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignatureForVerify,
  sigKindName,
} from '../model/nks.js';
import { type State, findKey } from '../model/state.js';
import { bytesEqual, describe, requireBytes } from '../wire/bytes.js';
import { nodeKeyFromBinary, nodeKeyToBinary } from '../wire/keytext.js';

/**
 * What a node-key signature that authorises a node key says about it (Tailscale's
 * NodeKeyAuthorizedWithDetails and RotationDetails).
 */
export interface NodeKeyAuthorization {
  /** The trusted key that authorised the chain: the keyID of its innermost Direct or Credential. */
  keyID: Uint8Array;
  /** For a rotation: the 32-byte node keys of the nested levels, newest first; [] otherwise. */
  prevNodeKeys: Uint8Array[];
  /** For a rotation: the innermost signature that is not a rotation. */
  initialSig?: NodeKeySignature;
}

const EMPTY = new Uint8Array(0);

function malformed(message: string): never {
  throw new TlockError('MALFORMED_SIGNATURE', `node-key signature: ${message}`);
}

/**
 * Checks that `nksBytes` authorises `nodeKey` (32 raw bytes) under `state` (docs/FORMAT.md §6.4),
 * with tlock's deliberate differences (docs/FORMAT.md §11.1): a rotation over a small-order
 * wrapping key is refused, and so is a Direct or Credential signature whose R is not a canonical
 * prime-order point (`verifyZip215StrictR`). Throws TlockError MALFORMED_SIGNATURE, UNTRUSTED_KEY, BAD_SIGNATURE, WRONG_NODE_KEY or
 * SMALL_ORDER_WRAPPING_KEY; INVALID_ARGUMENT for arguments of the wrong type.
 */
export function nodeKeyAuthorizedInState(
  state: State,
  nodeKey: Uint8Array,
  nksBytes: Uint8Array,
): NodeKeyAuthorization {
  requireState(state);
  requireBytes(nodeKey, 'nodeKeyAuthorized: node key', 32);
  requireBytes(nksBytes, 'nodeKeyAuthorized: signature');
  let decoded: DecodedNKS;
  try {
    decoded = decodeNodeKeySignatureForVerify(nksBytes);
  } catch (e) {
    if (!isTlockError(e, 'DECODE')) throw e;
    throw new TlockError('MALFORMED_SIGNATURE', `node-key signature does not decode: ${e.message}`, {
      cause: e,
    });
  }
  const nks = decoded.nks;
  // FORMAT.md §6.4 step 1: a credential only delegates; it never authorises a node by itself.
  if (nks.sigKind === SigKind.Credential) {
    malformed(
      'a credential signature cannot authorise a node on its own; it must be nested in a rotation signed by its one-time key',
    );
  }
  // FORMAT.md §6.4 step 2: the innermost Direct/Credential names the key, trusted in the current state only.
  const keyID = authorizingKeyID(nks);
  const key = findKey(state, keyID);
  if (key === undefined || key.public === null) {
    throw new TlockError(
      'UNTRUSTED_KEY',
      `node-key signature is by key ${Buffer.from(keyID).toString('hex')}, which Tailnet Lock does not trust (now)`,
    );
  }
  verifyLevel(decoded, nks, nodeKeyToBinary(nodeKey), key.public, 0);
  return { keyID: keyID.slice(), ...rotationDetails(nks) };
}

function requireState(state: unknown): asserts state is State {
  const keys = (state as { keys?: unknown } | null)?.keys;
  if (typeof state !== 'object' || state === null || (keys !== null && !Array.isArray(keys))) {
    throw new TlockError('INVALID_ARGUMENT', `nodeKeyAuthorized: expected a State, got ${describe(state)}`);
  }
}

/** Follows rotations down to the innermost Direct or Credential and returns its keyID. */
export function authorizingKeyID(top: NodeKeySignature): Uint8Array {
  for (let s: NodeKeySignature | undefined = top; ; s = s.nested) {
    if (s === undefined) malformed('a rotation is missing its nested signature');
    if (s.sigKind === SigKind.Direct || s.sigKind === SigKind.Credential) {
      if (s.keyID === undefined || s.keyID.length === 0)
        malformed(`the ${sigKindName(s.sigKind)} has no keyID`);
      return s.keyID;
    }
    if (s.sigKind !== SigKind.Rotation) malformed(`unknown signature kind ${s.sigKind}`);
  }
}

/** The key that must sign a rotation wrapping `s`: its own, or (for a rotation) its nested one's. */
export function wrappingPublicKey(s: NodeKeySignature): Uint8Array | undefined {
  for (let cur: NodeKeySignature | undefined = s; cur !== undefined; cur = cur.nested) {
    if (cur.wrappingPubkey !== undefined && cur.wrappingPubkey.length > 0) return cur.wrappingPubkey;
    if (cur.sigKind !== SigKind.Rotation) return undefined;
  }
  return undefined;
}

/**
 * The node's own rotation key: the key its signature lets sign the node's next rotation, when an
 * admin's signature stands behind it (docs/DECISIONS.md, "The node's rotation key"). For a chain
 * that starts at a Direct signature, `wrappingPublicKey`; for one that starts at a Credential
 * (a node that joined with a pre-signed auth key), none: every key such a chain names was chosen
 * by a holder of the auth key's one-time private key, which is in the auth key's text.
 */
export function nodeRotationKey(s: NodeKeySignature): Uint8Array | undefined {
  let initial: NodeKeySignature | undefined = s;
  while (initial?.sigKind === SigKind.Rotation) initial = initial.nested;
  return initial?.sigKind === SigKind.Direct ? wrappingPublicKey(s) : undefined;
}

/** FORMAT.md §6.4 steps 3 and 4 for one level, then the levels below it. */
function verifyLevel(
  decoded: DecodedNKS,
  s: NodeKeySignature,
  binaryNodeKey: Uint8Array,
  trusted: Uint8Array,
  depth: number,
): void {
  const kind = sigKindName(s.sigKind);
  if (s.sigKind !== SigKind.Credential && (s.pubkey === undefined || !bytesEqual(s.pubkey, binaryNodeKey))) {
    throw new TlockError(
      'WRONG_NODE_KEY',
      depth === 0
        ? 'node-key signature authorises a different node key'
        : `node-key signature: nested ${kind} at level ${depth} does not match its own node key`,
    );
  }
  const sigHash = decoded.sigHash(depth);
  const signature = s.signature ?? EMPTY;
  if (s.sigKind === SigKind.Rotation) {
    const nested = s.nested;
    if (nested === undefined) malformed('a rotation is missing its nested signature');
    const wrapping = wrappingPublicKey(nested);
    if (wrapping === undefined)
      malformed(`rotation at level ${depth} has no rotation (wrapping) key to verify it`);
    if (wrapping.length !== 32) malformed(`bad rotation key length: ${wrapping.length}`);
    // FORMAT.md §11.1: anyone can forge Go-verifiable signatures for a small-order key.
    if (isSmallOrderEncoding(wrapping)) {
      throw new TlockError(
        'SMALL_ORDER_WRAPPING_KEY',
        `node-key signature: rotation at level ${depth} is over a small-order wrapping key (such as 32 zero bytes), for which anyone can forge signatures; re-sign the node with a real rotation key or none`,
      );
    }
    if (!verifyStandard(wrapping, sigHash, signature)) {
      throw new TlockError('BAD_SIGNATURE', `node-key signature: rotation at level ${depth} does not verify`);
    }
    let nestedKey: Uint8Array = EMPTY;
    if (nested.sigKind !== SigKind.Credential) {
      if (nested.pubkey === undefined || nodeKeyFromBinary(nested.pubkey) === undefined) {
        malformed(`nested ${sigKindName(nested.sigKind)} at level ${depth + 1} has no well-formed node key`);
      }
      nestedKey = nested.pubkey;
    }
    verifyLevel(decoded, nested, nestedKey, trusted, depth + 1);
    return;
  }
  if (s.sigKind === SigKind.Direct || s.sigKind === SigKind.Credential) {
    if (s.nested !== undefined) malformed(`a ${kind} signature cannot nest another signature`);
    if (trusted.length !== 32 || !verifyZip215StrictR(trusted, sigHash, signature)) {
      throw new TlockError('BAD_SIGNATURE', levelNotVerifiedMessage(kind, depth));
    }
    return;
  }
  malformed(`unknown signature kind ${s.sigKind}`);
}

/** The BAD_SIGNATURE message for a Direct or Credential level (`kind` its name) `depth` rotations down. */
export function levelNotVerifiedMessage(kind: string, depth: number): string {
  return depth === 0
    ? `node-key signature: the ${kind} signature does not verify`
    : `node-key signature: nested ${kind} at level ${depth} does not verify`;
}

/** Tailscale's rotationDetails: nested node keys newest first, down to the first non-rotation. */
function rotationDetails(s: NodeKeySignature): { prevNodeKeys: Uint8Array[]; initialSig?: NodeKeySignature } {
  if (s.sigKind !== SigKind.Rotation) return { prevNodeKeys: [] };
  const prevNodeKeys: Uint8Array[] = [];
  let nested = s.nested;
  while (nested !== undefined) {
    if (nested.pubkey !== undefined && nested.pubkey.length > 0) {
      // Only a credential's (unchecked, normally absent) pubkey can fail here; Go refuses it too.
      const key = nodeKeyFromBinary(nested.pubkey);
      if (key === undefined) malformed('a nested credential carries a malformed node key');
      prevNodeKeys.push(key);
    }
    if (nested.sigKind !== SigKind.Rotation) break;
    nested = nested.nested;
  }
  return nested === undefined ? { prevNodeKeys } : { prevNodeKeys, initialSig: nested };
}
