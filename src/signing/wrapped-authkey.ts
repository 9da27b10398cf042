import { TlockError, isTlockError } from '../errors.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { type NodeKeySignature, SigKind, decodeNodeKeySignature } from '../model/nks.js';
import { decodeBase64, encodeBase64 } from '../wire/base64.js';
import { describe } from '../wire/bytes.js';
import { createCredential } from './credential.js';

// A pre-signed auth key (docs/FORMAT.md §6.3):
// `<authkey>--TL<credential NKS, base64 std raw>-<one-time 64-byte private key, base64 std raw>`.
const MARK = '--TL';

/**
 * Wraps an auth key with a fresh credential by `signer`, so that a node joining with it signs its
 * own node key. `signer` must be (or become) trusted by the authority.
 */
export function wrapAuthKey(authKey: string, signer: SigningKey): string {
  if (typeof authKey !== 'string' || authKey.length === 0) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `wrapAuthKey: expected a non-empty auth key string, got ${describe(authKey)}`,
    );
  }
  if (authKey.includes(MARK)) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `wrapAuthKey: the auth key already contains "${MARK}": it is wrapped already`,
    );
  }
  const { credential, privateKey } = createCredential(signer);
  return `${authKey}${MARK}${encodeBase64(credential, false)}-${encodeBase64(privateKey, false)}`;
}

export interface UnwrappedAuthKey {
  /** The auth key to send to the coordination server (the text before `--TL`). */
  authKey: string;
  credential?: NodeKeySignature;
  privateKey?: Uint8Array;
}

function malformed(message: string, cause?: unknown): never {
  throw new TlockError(
    'MALFORMED_AUTHKEY',
    `unwrapAuthKey: ${message}; the text after "${MARK}" must be <base64 credential>-<base64 private key>`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Splits a wrapped auth key as Tailscale's DecodeWrappedAuthkey does: at the first `--TL`, then
 * the rest at its first `-`, each part raw standard base64. No `--TL`: `{ authKey: text }`.
 * Where Tailscale only logs a malformed suffix (and later may panic), this throws
 * MALFORMED_AUTHKEY: also for a private key that is not 64 bytes or a signature that is not a
 * credential, which could never sign.
 */
export function unwrapAuthKey(text: string): UnwrappedAuthKey {
  if (typeof text !== 'string') {
    throw new TlockError('INVALID_ARGUMENT', `unwrapAuthKey: expected a string, got ${describe(text)}`);
  }
  const at = text.indexOf(MARK);
  if (at < 0) return { authKey: text };
  const suffix = text.slice(at + MARK.length);
  const dash = suffix.indexOf('-');
  if (dash < 0) malformed('no "-" between the credential and the private key');
  let credentialBytes: Uint8Array;
  let privateKey: Uint8Array;
  try {
    credentialBytes = decodeBase64(suffix.slice(0, dash), 'credential', false);
    privateKey = decodeBase64(suffix.slice(dash + 1), 'private key', false);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    malformed(e.message, e);
  }
  let credential: NodeKeySignature;
  try {
    credential = decodeNodeKeySignature(credentialBytes);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    malformed(`the credential does not decode: ${e.message}`, e);
  }
  if (credential.sigKind !== SigKind.Credential) {
    malformed(`the signature is of kind ${credential.sigKind}, not a credential (3)`);
  }
  if (privateKey.length !== 64) malformed(`the private key is ${privateKey.length} bytes, not 64`);
  return { authKey: text.slice(0, at), credential, privateKey };
}
