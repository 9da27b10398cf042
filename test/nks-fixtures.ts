import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import { type SigningKey, generateSigningKey, sign, verifyStandard } from '../src/crypto/ed25519.js';
import {
  type NodeKeySignature,
  SigKind,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from '../src/model/nks.js';
import type { State } from '../src/model/state.js';
import { nodeKeyToBinary } from '../src/wire/keytext.js';
import { hex } from './support/vectors.js';

// noble needs a SHA-512 for key derivation; src/crypto sets one only when it first loads noble.
ed.hashes.sha512 ??= sha512;

// Helpers for node-key signature tests: states, keys, hand-built signatures, and forgeries.

export function stateTrusting(...keys: SigningKey[]): State {
  return {
    lastAUMHash: new Uint8Array(32),
    disablementValues: [new Uint8Array(32).fill(0xa5)],
    keys: keys.map((k) => ({ kind: 1, votes: 1, public: k.publicKey })),
  };
}

/** A deterministic-looking but random node key (32 bytes). */
export function newNodeKey(): Uint8Array {
  return generateSigningKey().publicKey;
}

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
export const nodeKeyText = (k: Uint8Array): string => 'nodekey:' + Buffer.from(k).toString('hex');

/** Signs a hand-built NKS (any shape, even ones tlock refuses to build) and encodes it. */
export function signedBytes(signer: SigningKey, nks: NodeKeySignature): Uint8Array {
  nks.signature = sign(signer, nodeKeySignatureSigHash(nks));
  return encodeNodeKeySignature(nks);
}

/** What Tailscale's `lock sign <nodekey>` writes without a rotation key: 32 zero bytes. */
export function tailscaleZeroWrappedDirect(admin: SigningKey, nodeKey: Uint8Array): NodeKeySignature {
  const nks: NodeKeySignature = {
    sigKind: SigKind.Direct,
    pubkey: nodeKeyToBinary(nodeKey),
    keyID: admin.publicKey,
    wrappingPubkey: new Uint8Array(32),
  };
  nks.signature = sign(admin, nodeKeySignatureSigHash(nks));
  return nks;
}

/** The eight small-order points of edwards25519, canonically encoded. */
export const SMALL_ORDER_POINTS = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
].map(hex);

/**
 * Forges, without any private key, a rotation over `nested` (whose wrapping key is small-order)
 * that Go's crypto/ed25519 accepts: S = 0 and R a small-order point, searched over R and over
 * attacker node keys until the plain rotation-path verifier says yes (about one try in four).
 */
export function forgeRotation(
  nested: NodeKeySignature,
  wrapping: Uint8Array,
): { nks: NodeKeySignature; nodeKey: Uint8Array } {
  for (let i = 0; i < 256; i++) {
    const nodeKey = new Uint8Array(32).fill(0x42);
    nodeKey[0] = i;
    const forged: NodeKeySignature = { sigKind: SigKind.Rotation, pubkey: nodeKeyToBinary(nodeKey), nested };
    const sigHash = nodeKeySignatureSigHash(forged);
    for (const r of SMALL_ORDER_POINTS) {
      const sig = new Uint8Array(64);
      sig.set(r, 0);
      if (verifyStandard(wrapping, sigHash, sig)) {
        forged.signature = sig;
        return { nks: forged, nodeKey };
      }
    }
  }
  throw new Error('no forgery found in 256 × 8 tries (expected one within a few)');
}

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (b: Uint8Array): bigint => BigInt('0x' + Buffer.from(b).reverse().toString('hex'));
const le32 = (n: bigint): Uint8Array =>
  new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse());
/** A point of order 8 (the R of ed25519-speccheck case 0). */
export const TORSION_POINT = ed.Point.fromBytes(
  hex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
  true,
);

/**
 * A signature by `key` that only ZIP-215 accepts: R = [r]B + T (T of order 8), S = r + H(R‖A‖M)·a.
 * Only a holder of the private key can make one; no honest signer does.
 */
export function mixedOrderSignature(key: SigningKey, msg: Uint8Array): Uint8Array {
  const { scalar, pointBytes } = ed.utils.getExtendedPublicKey(key.privateKey.subarray(0, 32));
  const r = le(randomBytes(64)) % L;
  const R = ed.Point.BASE.multiply(r).add(TORSION_POINT).toBytes();
  const k = le(sha512(new Uint8Array([...R, ...pointBytes, ...msg]))) % L;
  return new Uint8Array([...R, ...le32((r + k * scalar) % L)]);
}

/** The same signature with T added to its R: what a server can do to any signature without a key. */
export function withTorsionR(sig: Uint8Array): Uint8Array {
  const out = sig.slice();
  out.set(ed.Point.fromBytes(sig.subarray(0, 32), true).add(TORSION_POINT).toBytes(), 0);
  return out;
}
