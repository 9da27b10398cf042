import { type KeyObject, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { TlockError } from '../errors.js';
import { randomBytes } from './random.js';
import { isSmallOrderEncoding } from './small-order.js';
import {
  type NobleEd25519,
  type Verify,
  defaultSignatureVerifiers,
  nobleEd25519,
} from './signature-verifiers.js';
import { bytesEqual, requireBytes } from '../wire/bytes.js';

// ed25519 keys and signing (node:crypto), and the process's default verification
// (src/crypto/signature-verifiers.ts holds the verifier chains and says how they are built).

export interface SigningKey {
  readonly publicKey: Uint8Array;
  /** 64 bytes: seed then public key (Tailscale's `nlpriv:` form). Not enumerable, so never logged by accident. */
  readonly privateKey: Uint8Array;
}

const fromB64url = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));

// PKCS#8 wrapping of a raw ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const privateKeyObjects = new WeakMap<SigningKey, KeyObject>();

function makeSigningKey(seed: Uint8Array, pub: Uint8Array, keyObject: KeyObject): SigningKey {
  const privateKey = new Uint8Array(64);
  privateKey.set(seed, 0);
  privateKey.set(pub, 32);
  const key = Object.defineProperty({ publicKey: pub.slice() }, 'privateKey', {
    value: privateKey,
    enumerable: false,
  }) as SigningKey;
  privateKeyObjects.set(key, keyObject);
  return Object.freeze(key);
}

/** A fresh ed25519 key pair from node:crypto's randomness. */
export function generateSigningKey(): SigningKey {
  // A random seed, not generateKeyPairSync: on Node 20, exporting a generated key can deadlock
  // when a garbage collection lands in the export (seen after a few thousand keys).
  const seed = randomBytes(32);
  try {
    return signingKeyFromPrivate(seed);
  } finally {
    seed.fill(0);
  }
}

/** A signing key from a 32-byte seed or a 64-byte private key (seed ‖ public key, checked). */
export function signingKeyFromPrivate(priv: Uint8Array): SigningKey {
  requireBytes(priv, 'signingKeyFromPrivate: private key');
  if (priv.length !== 32 && priv.length !== 64) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `signingKeyFromPrivate: expected a 32-byte seed or 64-byte private key, got ${priv.length} bytes`,
    );
  }
  const seed = priv.subarray(0, 32);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  const keyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const pub = fromB64url(keyObject.export({ format: 'jwk' }).x!);
  if (priv.length === 64 && !bytesEqual(pub, priv.subarray(32))) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      'signingKeyFromPrivate: the public half of the 64-byte private key does not match its seed',
    );
  }
  return makeSigningKey(seed, pub, keyObject);
}

/** Deterministic ed25519 signature (RFC 8032), byte-identical to Go's and noble's. */
export function sign(key: SigningKey, message: Uint8Array): Uint8Array {
  let ko = privateKeyObjects.get(key);
  if (ko === undefined) {
    // A structurally typed key built by a caller: derive (and check) it once.
    ko = privateKeyObjects.get(signingKeyFromPrivate(requireBytes(key.privateKey, 'signing key', 64)))!;
    privateKeyObjects.set(key, ko);
  }
  const sig = nodeSign(null, message, ko);
  return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
}

// ---- verification: the process's default verifier chains (src/crypto/signature-verifiers.ts) ----

/** Each verifier of the default chains alone, for tests and benchmarks. All take 32-byte keys and 64-byte signatures. */
export const verifiers = {
  /** libsodium (undefined without it): stricter than both semantics (canonical encodings, no small-order points). */
  get sodium(): Verify | undefined {
    return defaultSignatureVerifiers().sodium;
  },
  /** OpenSSL through node:crypto: exactly Go's crypto/ed25519. */
  openssl: ((pub, msg, sig) => defaultSignatureVerifiers().openssl(pub, msg, sig)) as Verify,
  /** @noble/ed25519 with zip215: exactly Go's ed25519consensus. */
  zip215: ((pub, msg, sig) => defaultSignatureVerifiers().zip215(pub, msg, sig)) as Verify,
};

/** ZIP-215 verification: AUM signatures, Direct and Credential node-key signatures (`SignatureVerifiers.verifyZip215`). */
export function verifyZip215(pub: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  return defaultSignatureVerifiers().verifyZip215(pub, message, sig);
}

/** ZIP-215 strict about R, for node-key signatures (`SignatureVerifiers.verifyZip215StrictR` says why). */
export function verifyZip215StrictR(pub: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  return defaultSignatureVerifiers().verifyZip215StrictR(pub, message, sig);
}

/** Go crypto/ed25519 verification: the outer signature of a Rotation node-key signature. */
export function verifyStandard(pub: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  return defaultSignatureVerifiers().verifyStandard(pub, message, sig);
}

/**
 * Why a public key is unsafe to trust, if it is: a small-order point (anyone can forge signatures
 * for it under ZIP-215, and for rotations under Go's verifier) or bytes that are not a point.
 */
export function weakPublicKeyReason(
  pub: Uint8Array,
): 'small-order' | 'not-a-point' | 'wrong-length' | undefined {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return 'wrong-length';
  let point: ReturnType<NobleEd25519['Point']['fromBytes']>;
  try {
    point = nobleEd25519().Point.fromBytes(pub, true);
  } catch {
    return 'not-a-point';
  }
  return point.isSmallOrder() ? 'small-order' : undefined;
}

/** Whether `pub` encodes a small-order point (by table: no point decompression). */
export function isSmallOrderPublicKey(pub: Uint8Array): boolean {
  return pub instanceof Uint8Array && pub.length === 32 && isSmallOrderEncoding(pub);
}
