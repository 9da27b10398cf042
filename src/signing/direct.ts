import { TlockError } from '../errors.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { requireStrongKey } from '../crypto/weak-key.js';
import { type NodeKeySignature, SigKind, encodeNodeKeySignature } from '../model/nks.js';
import { describe, requireBytes } from '../wire/bytes.js';
import { nodeKeyToBinary } from '../wire/keytext.js';
import { requireSigningKey } from '../crypto/require-signing-key.js';
import { signNKS } from './nks-signing.js';

export interface SignNodeKeyOptions {
  /** The node's own TL key, allowed to sign the node's later key rotations (32 bytes). */
  wrappingPubkey?: Uint8Array;
}

/**
 * A Direct node-key signature (docs/FORMAT.md §6) by `signer` for `nodeKey` (32 raw bytes), as encoded
 * NKS bytes. Without a wrapping key the field is left out: never 32 zero bytes, which Tailscale's
 * CLI writes and which lets anyone forge rotations (docs/FORMAT.md §11). A small-order wrapping key is
 * refused with WEAK_KEY for the same reason.
 */
export function signNodeKey(signer: SigningKey, nodeKey: Uint8Array, opts?: SignNodeKeyOptions): Uint8Array {
  requireSigningKey(signer, 'signNodeKey: signer');
  requireBytes(nodeKey, 'signNodeKey: node key', 32);
  if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `signNodeKey: options: expected an object, got ${describe(opts)}`,
    );
  }
  const nks: NodeKeySignature = {
    sigKind: SigKind.Direct,
    pubkey: nodeKeyToBinary(nodeKey),
    keyID: signer.publicKey.slice(),
  };
  const wrapping = opts?.wrappingPubkey;
  if (wrapping !== undefined && requireBytes(wrapping, 'signNodeKey: wrappingPubkey').length !== 0) {
    const fix = 'pass the node’s real TL public key as its rotation key, or none';
    nks.wrappingPubkey = requireStrongKey(wrapping, 'signNodeKey: wrappingPubkey', {
      mustBePoint: false,
      fix,
    }).slice();
  }
  return encodeNodeKeySignature(signNKS(signer, nks, 'signNodeKey'));
}
