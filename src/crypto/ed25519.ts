import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Noble from '@noble/ed25519';
import { TlockError } from '../errors.js';
import { randomBytes } from './random.js';
import { isSmallOrderEncoding } from './small-order.js';
import { bytesEqual, requireBytes } from '../wire/bytes.js';

/*
 * ed25519 with the two verification semantics of Tailnet Lock (docs/FORMAT.md §4.3):
 * - ZIP-215 (Go's ed25519consensus) for AUM, Direct and Credential signatures;
 * - Go's crypto/ed25519 (cofactorless, canonical R; OpenSSL gives the same verdicts) for the
 *   outer signature of a Rotation.
 * Each is a chain of verifiers where a "yes" from an earlier, faster one is final because it
 * accepts a subset of what the exact one accepts (docs/DECISIONS.md):
 *   libsodium ⊂ OpenSSL (= Go stdlib, exact for rotations) ⊂ ZIP-215 (noble, exact).
 */

// noble (the exact ZIP-215 verifier and point decoding) is loaded when first needed: valid
// signatures never reach it, and commands that only read the chain should not pay for loading it.
let nobleLoaded: typeof Noble | undefined;
function noble(): typeof Noble {
  if (nobleLoaded === undefined) {
    const ed = createRequire(import.meta.url)('@noble/ed25519') as typeof Noble;
    ed.hashes.sha512 = (message) => {
      const d = createHash('sha512').update(message).digest();
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    };
    nobleLoaded = ed;
  }
  return nobleLoaded;
}

export interface SigningKey {
  readonly publicKey: Uint8Array;
  /** 64 bytes: seed then public key (Tailscale's `nlpriv:` form). Not enumerable, so never logged by accident. */
  readonly privateKey: Uint8Array;
}

const b64url = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
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

// ---- verification -----------------------------------------------------------------------

interface Sodium {
  verify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  /** Canonical, on the curve, in the prime-order subgroup (so not small-order). */
  isPrimeOrderPoint(p: Uint8Array): boolean;
}

function loadSodium(): Sodium | undefined {
  if (process.env['TLOCK_NO_SODIUM'] === '1') return undefined;
  try {
    const sodium = createRequire(import.meta.url)('sodium-native') as {
      crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
      crypto_core_ed25519_is_valid_point(p: Uint8Array): boolean;
    };
    return {
      verify: (sig, msg, pub) => sodium.crypto_sign_verify_detached(sig, msg, pub),
      isPrimeOrderPoint: (p) => sodium.crypto_core_ed25519_is_valid_point(p),
    };
  } catch {
    return undefined; // no prebuilt binary for this platform: the other verifiers are exact on their own
  }
}

// Loaded on the first verification, not at import: loading the native addon costs about as much
// as starting Node, and commands that only read the chain (`tlock status`) never verify.
let sodiumLoaded: { sodium: Sodium | undefined } | undefined;
function sodiumOrUndefined(): Sodium | undefined {
  sodiumLoaded ??= { sodium: loadSodium() };
  return sodiumLoaded.sodium;
}

const MAX_CACHED_PUBLIC_KEYS = 8192;

/** Whether each trusted key is a canonical prime-order point (asked once per key). */
const primeOrderKeys = new Map<string, boolean>();

/** Canonical encoding of a point in the prime-order subgroup: libsodium's check, else noble's (slower). */
function isPrimeOrderPoint(p: Uint8Array): boolean {
  const sodium = sodiumOrUndefined();
  if (sodium !== undefined) return sodium.isPrimeOrderPoint(p);
  try {
    const point = noble().Point.fromBytes(p, false);
    return !point.is0() && point.isTorsionFree();
  } catch {
    return false;
  }
}

function isPrimeOrderKey(pub: Uint8Array): boolean {
  const id = b64url(pub);
  let ok = primeOrderKeys.get(id);
  if (ok === undefined) {
    ok = isPrimeOrderPoint(pub);
    if (primeOrderKeys.size >= MAX_CACHED_PUBLIC_KEYS) primeOrderKeys.clear();
    primeOrderKeys.set(id, ok);
  }
  return ok;
}

const publicKeyObjects = new Map<string, KeyObject | null>();

function publicKeyObject(pub: Uint8Array): KeyObject | null {
  const id = b64url(pub);
  let ko = publicKeyObjects.get(id);
  if (ko === undefined) {
    try {
      // JWK import is ten times faster than SPKI DER.
      ko = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
    } catch {
      ko = null;
    }
    if (publicKeyObjects.size >= MAX_CACHED_PUBLIC_KEYS) publicKeyObjects.clear();
    publicKeyObjects.set(id, ko);
  }
  return ko;
}

/** Each verifier alone, for tests and benchmarks. All take 32-byte keys and 64-byte signatures. */
export const verifiers = {
  /** libsodium: stricter than both semantics (canonical encodings, no small-order points). */
  get sodium(): ((pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean) | undefined {
    const sodium = sodiumOrUndefined();
    return sodium === undefined ? undefined : (pub, msg, sig) => sodium.verify(sig, msg, pub);
  },
  /** OpenSSL through node:crypto: exactly Go's crypto/ed25519. */
  openssl(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    const ko = publicKeyObject(pub);
    return ko !== null && nodeVerify(null, msg, ko, sig);
  },
  /** @noble/ed25519 with zip215: exactly Go's ed25519consensus. */
  zip215(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    try {
      return noble().verify(sig, msg, pub, { zip215: true });
    } catch {
      return false;
    }
  },
};

function shapeOK(pub: Uint8Array, sig: Uint8Array): boolean {
  return pub instanceof Uint8Array && sig instanceof Uint8Array && pub.length === 32 && sig.length === 64;
}

/** ZIP-215 verification: AUM signatures, Direct and Credential node-key signatures. */
export function verifyZip215(pub: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (!shapeOK(pub, sig)) return false;
  const sodium = sodiumOrUndefined();
  if (sodium !== undefined) {
    if (sodium.verify(sig, message, pub)) return true;
    // When A and R are both canonical prime-order points, [S]B - [k]A - R lies in the prime-order
    // subgroup, so the cofactored (ZIP-215) and cofactorless (libsodium) equations agree, and
    // libsodium's "no" is final. Only crafted signatures (torsion, non-canonical encodings) go on
    // to the ~1 ms exact check. (40 µs for the R check, against ~1 ms for noble.)
    if (isPrimeOrderKey(pub) && sodium.isPrimeOrderPoint(sig.subarray(0, 32))) return false;
  }
  if (verifiers.openssl(pub, message, sig)) return true;
  return verifiers.zip215(pub, message, sig);
}

/**
 * ZIP-215 verification for node-key signatures (Direct and Credential levels), strict about R:
 * when the key is a canonical prime-order point (every key a real signer has), a signature whose
 * R is not one is refused. No signer makes such an R (R = [r]B), but ZIP-215 accepts some, and
 * proving that a crafted one fails costs ~1 ms in the exact verifier: a hostile server could send
 * hundreds of thousands. With the rule, a "no" from libsodium (or OpenSSL) is final for such keys,
 * so a crafted signature costs what an honest one does. A "yes" from either implies a canonical
 * prime-order R for such keys (both compare R with the encoding of [S]B - [k]A). Keys that are
 * not prime-order points (which tlock never trusts by its own hand) get the exact ZIP-215 check.
 * The verdicts that differ from Tailscale's are listed in docs/DECISIONS.md. AUMs keep `verifyZip215`.
 */
export function verifyZip215StrictR(pub: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (!shapeOK(pub, sig)) return false;
  const sodium = sodiumOrUndefined();
  if (sodium !== undefined ? sodium.verify(sig, message, pub) : verifiers.openssl(pub, message, sig))
    return true;
  if (isPrimeOrderKey(pub)) return false;
  return verifyZip215(pub, message, sig);
}

/** Go crypto/ed25519 verification: the outer signature of a Rotation node-key signature. */
export function verifyStandard(pub: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (!shapeOK(pub, sig)) return false;
  const sodium = sodiumOrUndefined();
  if (sodium !== undefined && sodium.verify(sig, message, pub)) return true;
  return verifiers.openssl(pub, message, sig);
}

/**
 * Why a public key is unsafe to trust, if it is: a small-order point (anyone can forge signatures
 * for it under ZIP-215, and for rotations under Go's verifier) or bytes that are not a point.
 */
export function weakPublicKeyReason(
  pub: Uint8Array,
): 'small-order' | 'not-a-point' | 'wrong-length' | undefined {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return 'wrong-length';
  let point: Noble.Point;
  try {
    point = noble().Point.fromBytes(pub, true);
  } catch {
    return 'not-a-point';
  }
  return point.isSmallOrder() ? 'small-order' : undefined;
}

/** Whether `pub` encodes a small-order point (by table: no point decompression). */
export function isSmallOrderPublicKey(pub: Uint8Array): boolean {
  return pub instanceof Uint8Array && pub.length === 32 && isSmallOrderEncoding(pub);
}
