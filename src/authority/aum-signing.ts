import { TlockError } from '../errors.js';
import { type SigningKey, sign } from '../crypto/ed25519.js';
import { requireBytes } from '../wire/bytes.js';
import { aumSigHash } from '../model/aum.js';
import type { AUM, AumSignature } from '../model/aum.js';

/** One ed25519 signature over the AUM's sig-hash, whose key ID is the signer's public key. */
export function aumSignature(aum: AUM, signer: SigningKey): AumSignature {
  return { keyID: signer.publicKey.slice(), signature: sign(signer, aumSigHash(aum)) };
}

/** A copy of `aum` with a signature by each signer appended (the input is left alone). */
export function signAUM(aum: AUM, ...signers: SigningKey[]): AUM {
  const added = signers.map((s) => aumSignature(aum, s));
  return { ...aum, signatures: [...(aum.signatures ?? []), ...added] };
}

/** Checks a caller's signer at the door. */
export function requireSigner(signer: SigningKey, what: string): SigningKey {
  if (typeof signer !== 'object' || signer === null) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected a SigningKey (from generateSigningKey)`);
  }
  requireBytes(signer.publicKey, `${what}.publicKey`, 32);
  return signer;
}
