import { TlockError } from '../errors.js';
import { type SigningKey, generateSigningKey, signingKeyFromPrivate } from '../crypto/ed25519.js';
import { type NodeKeySignature, SigKind, encodeNodeKeySignature } from '../model/nks.js';
import { describe, requireBytes } from '../wire/bytes.js';
import { nodeKeyToBinary } from '../wire/keytext.js';
import { requireSigningKey } from '../crypto/require-signing-key.js';
import { signNKS } from './nks-signing.js';

export interface Credential {
  /** The encoded Credential NKS: `{sigKind 3, keyID: signer, wrappingPubkey: one-time key}`. */
  credential: Uint8Array;
  /** The one-time 64-byte ed25519 private key (seed ‖ public key) the credential delegates to. */
  privateKey: Uint8Array;
}

/**
 * A Credential (docs/FORMAT.md §6) by `signer`, delegating to a fresh one-time key. It authorises nothing
 * alone: a node uses the private key once, in `signByCredential`. `signer` must be trusted by the
 * authority when nodes verify.
 */
export function createCredential(signer: SigningKey): Credential {
  requireSigningKey(signer, 'createCredential: signer');
  const oneTime = generateSigningKey();
  const nks = signNKS(
    signer,
    {
      sigKind: SigKind.Credential,
      keyID: signer.publicKey.slice(),
      wrappingPubkey: oneTime.publicKey.slice(),
    },
    'createCredential',
  );
  return { credential: encodeNodeKeySignature(nks), privateKey: oneTime.privateKey.slice() };
}

/**
 * Signs `nodeKey` with a credential's one-time private key (Tailscale's SignByCredential): a
 * Rotation `{pubkey: nodeKey, nested: credential}` signed by that key. Like Tailscale, it does
 * not check that the private key matches the credential's wrapping key (verification will).
 */
export function signByCredential(
  privateKey: Uint8Array,
  credential: NodeKeySignature,
  nodeKey: Uint8Array,
): Uint8Array {
  requireBytes(privateKey, 'signByCredential: private key', 64);
  if (typeof credential !== 'object' || credential === null) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `signByCredential: credential: expected a NodeKeySignature, got ${describe(credential)}`,
    );
  }
  if (credential.sigKind !== SigKind.Credential) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `signByCredential: the wrapped signature must be a credential (kind 3), got kind ${String(credential.sigKind)}`,
    );
  }
  requireBytes(nodeKey, 'signByCredential: node key', 32);
  const oneTime = signingKeyFromPrivate(privateKey);
  const nks = signNKS(
    oneTime,
    {
      sigKind: SigKind.Rotation,
      pubkey: nodeKeyToBinary(nodeKey),
      nested: credential,
    },
    'signByCredential',
  );
  return encodeNodeKeySignature(nks);
}
