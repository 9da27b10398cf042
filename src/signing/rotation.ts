import { TlockError, isTlockError } from '../errors.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { MAX_PREV_NODE_KEYS } from '../limits.js';
import {
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignature,
  encodeNodeKeySignature,
} from '../model/nks.js';
import { bytesEqual, requireBytes } from '../wire/bytes.js';
import { nodeKeyToBinary } from '../wire/keytext.js';
import { requireSigningKey } from '../crypto/require-signing-key.js';
import { signNKS } from './nks-signing.js';

/**
 * Re-signs `oldNKS` for the node's new node key (docs/FORMAT.md §6, Tailscale's ResignNKS): a Rotation
 * `{pubkey: newNodeKey, nested: old}` signed by the node's own TL key. If the old signature
 * already covers `newNodeKey` it is returned unchanged. A chain that would carry more than 15
 * previous node keys is first rebuilt from its innermost non-rotation signature, byte for byte
 * as Tailscale does.
 */
export function resignNodeKey(
  nodeSigner: SigningKey,
  newNodeKey: Uint8Array,
  oldNKS: Uint8Array,
): Uint8Array {
  requireSigningKey(nodeSigner, 'resignNodeKey: node signer');
  requireBytes(newNodeKey, 'resignNodeKey: new node key', 32);
  requireBytes(oldNKS, 'resignNodeKey: old signature');
  let old: NodeKeySignature;
  try {
    old = decodeNodeKeySignature(oldNKS);
  } catch (e) {
    if (!isTlockError(e, 'DECODE')) throw e;
    throw new TlockError(
      'MALFORMED_SIGNATURE',
      `resignNodeKey: the old signature does not decode: ${e.message}`,
      {
        cause: e,
      },
    );
  }
  const binaryKey = nodeKeyToBinary(newNodeKey);
  if (old.pubkey !== undefined && bytesEqual(old.pubkey, binaryKey)) return oldNKS.slice();
  const nested = trimRotationChain(old, nodeSigner);
  const outer = signNKS(
    nodeSigner,
    { sigKind: SigKind.Rotation, pubkey: binaryKey, nested },
    'resignNodeKey',
  );
  return encodeNodeKeySignature(outer);
}

/**
 * Tailscale's maybeTrimRotationSignatureChain. The keys counted are the top level's pubkey
 * (even when empty) and each nested level's non-empty pubkey, down to and including the first
 * level that is not a rotation. Above 15, the chain becomes that innermost level wrapped in 14
 * fresh rotation layers for the 14 newest keys, oldest innermost, each signed by `signer`; the
 * other fields of the old layers (wrapping keys included) are not carried over.
 */
export function trimRotationChain(sig: NodeKeySignature, signer: SigningKey): NodeKeySignature {
  if (sig.sigKind !== SigKind.Rotation) return sig;
  const keys: (Uint8Array | undefined)[] = [sig.pubkey];
  let innermost = sig.nested;
  while (innermost !== undefined) {
    if (innermost.pubkey !== undefined && innermost.pubkey.length > 0) keys.push(innermost.pubkey);
    if (innermost.sigKind !== SigKind.Rotation) break;
    innermost = innermost.nested;
  }
  if (keys.length <= MAX_PREV_NODE_KEYS) return sig;
  let result = innermost;
  for (let i = MAX_PREV_NODE_KEYS - 2; i >= 0; i--) {
    const layer: NodeKeySignature = { sigKind: SigKind.Rotation };
    const key = keys[i];
    if (key !== undefined) layer.pubkey = key;
    if (result !== undefined) layer.nested = result;
    result = signNKS(signer, layer, 'resignNodeKey');
  }
  return result!;
}
