import { type SigningKey, sign } from '../crypto/ed25519.js';
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
