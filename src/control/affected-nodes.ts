import { TlockError } from '../errors.js';
import { type SigningKey, weakPublicKeyReason } from '../crypto/ed25519.js';
import {
  authorizingKeyID,
  nodeKeyAuthorizedInState,
  nodeRotationKey,
} from '../signing/node-key-authorization.js';
import type { State } from '../model/state.js';
import { decodeNodeKeySignature } from '../model/nks.js';
import { signNodeKey } from '../signing/direct.js';
import { bytesEqual, toHex } from '../wire/bytes.js';
import { formatNodeKey, nodeKeyFromBinary } from '../wire/keytext.js';
import type { ControlClient } from './client.js';

/** A node whose current signature a trusted key made (from the server's affected-sigs). */
export interface AffectedNode {
  nodeKey: Uint8Array;
  signature: Uint8Array;
  /**
   * The node's own rotation key (`nodeRotationKey`): never the one-time key of the pre-signed
   * auth key it joined with, so that re-signing it leaves an auth key's holders no power over it.
   */
  wrappingPubkey?: Uint8Array;
}

/**
 * The nodes whose signatures the trusted key `keyID` made, as the server reports them, each
 * checked as Tailscale's client does: it decodes, its authorising key is `keyID`, it names a
 * node key, and it verifies under `state` (give the state before the key is removed). One bad
 * signature fails the whole call: the server is lying or broken.
 */
export async function affectedNodes(
  client: ControlClient,
  keyID: Uint8Array,
  state: State,
): Promise<AffectedNode[]> {
  const out: AffectedNode[] = [];
  for (const [i, signature] of (await client.signaturesUsingKey(keyID)).entries()) {
    const what = `affected-sigs answer ${i}`;
    let nodeKey: Uint8Array | undefined;
    let wrappingPubkey: Uint8Array | undefined;
    try {
      const nks = decodeNodeKeySignature(signature);
      if (!bytesEqual(authorizingKeyID(nks), keyID)) {
        throw new TlockError('UNTRUSTED_KEY', `it was made by another key than ${toHex(keyID)}`);
      }
      nodeKey = nks.pubkey === undefined ? undefined : nodeKeyFromBinary(nks.pubkey);
      if (nodeKey === undefined) throw new TlockError('MALFORMED_SIGNATURE', 'it names no node key');
      nodeKeyAuthorizedInState(state, nodeKey, signature);
      wrappingPubkey = nodeRotationKey(nks);
    } catch (e) {
      const code = e instanceof TlockError ? e.code : 'MALFORMED_SIGNATURE';
      throw new TlockError(code, `${what} is not a valid signature by that key: ${(e as Error).message}`, {
        cause: e,
      });
    }
    out.push(wrappingPubkey === undefined ? { nodeKey, signature } : { nodeKey, signature, wrappingPubkey });
  }
  return out;
}

/**
 * Signs each node anew with `signer` (a Direct signature keeping its rotation key) and submits
 * it, so that removing the key that signed them locks no one out. Returns the node keys signed.
 */
export async function resignNodes(
  client: ControlClient,
  signer: SigningKey,
  nodes: AffectedNode[],
): Promise<string[]> {
  const done: string[] = [];
  for (const n of nodes) {
    const rotation = usableRotationKey(n.wrappingPubkey);
    const opts = rotation === undefined ? {} : { wrappingPubkey: rotation };
    await client.submitSignature(signNodeKey(signer, n.nodeKey, opts));
    done.push(formatNodeKey(n.nodeKey));
  }
  return done;
}

/**
 * A node's rotation key if it is safe to sign with: 32 bytes on the curve and not small-order
 * (Tailscale writes 32 zero bytes when there is none; signing that would let anyone rotate).
 */
export function usableRotationKey(key: Uint8Array | undefined): Uint8Array | undefined {
  return key !== undefined && key.length === 32 && weakPublicKeyReason(key) === undefined ? key : undefined;
}
