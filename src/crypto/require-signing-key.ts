import { TlockError } from '../errors.js';
import { describe, requireBytes } from '../wire/bytes.js';
import type { SigningKey } from './ed25519.js';

/**
 * The one check of a SigningKey handed to a public function that signs (AUMs, node keys,
 * credentials): an object with a 32-byte public key and a 64-byte private key. INVALID_ARGUMENT
 * otherwise, naming the argument.
 */
export function requireSigningKey(signer: unknown, what: string): SigningKey {
  if (typeof signer !== 'object' || signer === null) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `${what}: expected a SigningKey (from generateSigningKey or signingKeyFromPrivate), got ${describe(signer)}`,
    );
  }
  const key = signer as SigningKey;
  requireBytes(key.publicKey, `${what}.publicKey`, 32);
  requireBytes(key.privateKey, `${what}.privateKey`, 64);
  return key;
}
