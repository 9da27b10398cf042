import { TlockError } from '../errors.js';
import { type SigningKey, sign } from '../crypto/ed25519.js';
import { type NodeKeySignature, nodeKeySignatureSigHash } from '../model/nks.js';
import { MAX_CBOR_NESTING } from '../limits.js';

/**
 * Sets `nks.signature` to `signer`'s ed25519 signature over its sig-hash (docs/FORMAT.md §4). Refuses a
 * signature nested deeper than any decoder accepts (Tailscale would write it, and then no node
 * could read it): LIMIT.
 */
export function signNKS(signer: SigningKey, nks: NodeKeySignature, what: string): NodeKeySignature {
  const depth = levels(nks);
  if (depth > MAX_CBOR_NESTING) {
    throw new TlockError(
      'LIMIT',
      `${what}: the result would nest ${depth} signatures, more than the ${MAX_CBOR_NESTING} any node can decode; have an admin sign the node key directly instead`,
    );
  }
  nks.signature = sign(signer, nodeKeySignatureSigHash(nks));
  return nks;
}

function levels(nks: NodeKeySignature): number {
  let n = 0;
  for (let s: NodeKeySignature | undefined = nks; s !== undefined; s = s.nested) n++;
  return n;
}
