import { type KeyObject, createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { VERIFIER_KEY_CACHE_ENTRIES } from '../limits.js';
import type * as Noble from '@noble/ed25519';

/*
 * ed25519 verification with the two semantics of Tailnet Lock (docs/FORMAT.md §4.3):
 * - ZIP-215 (Go's ed25519consensus) for AUM, Direct and Credential signatures;
 * - Go's crypto/ed25519 (cofactorless, canonical R; OpenSSL gives the same verdicts) for the
 *   outer signature of a Rotation.
 * Each is a chain of verifiers where a "yes" from an earlier, faster one is final because it
 * accepts a subset of what the exact one accepts (docs/DECISIONS.md):
 *   libsodium ⊂ OpenSSL (= Go stdlib, exact for rotations) ⊂ ZIP-215 (noble, exact).
 */

/**
 * @noble/ed25519, loaded on first use (the exact ZIP-215 verifier and point decoding: valid
 * signatures never reach it, and commands that only read the chain should not pay for loading
 * it). Loading it sets its process-wide SHA-512 hook to node:crypto's, which is faster than its
 * own; that hook is the one piece of noble's global state tlock changes (docs/ARCHITECTURE.md,
 * "Process-wide state").
 */
export type NobleEd25519 = typeof Noble;

/**
 * `require` for noble and the addon (CommonJS), made when one is first loaded: node:module is not
 * imported at start-up, where it would load modules of Node's own that most commands never use.
 */
function requireHere(id: string): unknown {
  return process.getBuiltinModule('node:module').createRequire(import.meta.url)(id);
}

let nobleLoaded: NobleEd25519 | undefined;

export function nobleEd25519(): NobleEd25519 {
  if (nobleLoaded === undefined) {
    const ed = requireHere('@noble/ed25519') as NobleEd25519;
    ed.hashes.sha512 = (message) => {
      const d = createHash('sha512').update(message).digest();
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    };
    nobleLoaded = ed;
  }
  return nobleLoaded;
}

/** One verifier: 32-byte key, message, 64-byte signature. */
export type Verify = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean;

interface Sodium {
  verify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  /** Canonical, on the curve, in the prime-order subgroup (so not small-order). */
  isPrimeOrderPoint(p: Uint8Array): boolean;
}

// The native addon is process-wide: loaded (or found missing) once, by the first chain that wants it.
let sodiumAddon: { sodium: Sodium | undefined } | undefined;
function loadSodium(): Sodium | undefined {
  if (sodiumAddon !== undefined) return sodiumAddon.sodium;
  let sodium: Sodium | undefined;
  try {
    const addon = requireHere('sodium-native') as {
      crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
      crypto_core_ed25519_is_valid_point(p: Uint8Array): boolean;
    };
    sodium = {
      verify: (sig, msg, pub) => addon.crypto_sign_verify_detached(sig, msg, pub),
      isPrimeOrderPoint: (p) => addon.crypto_core_ed25519_is_valid_point(p),
    };
  } catch {
    sodium = undefined; // no prebuilt binary for this platform: the other verifiers are exact on their own
  }
  sodiumAddon = { sodium };
  return sodium;
}

/** A map that forgets its oldest entry when full (keys are few; a hostile input cannot grow it). */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
  }
}

const b64url = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

function shapeOK(pub: Uint8Array, sig: Uint8Array): boolean {
  return pub instanceof Uint8Array && sig instanceof Uint8Array && pub.length === 32 && sig.length === 64;
}

export interface SignatureVerifierOptions {
  /**
   * Try libsodium first (default true). false: OpenSSL and noble only (the verdicts are the
   * same; tests and benchmarks compare the two). When the addon cannot load, the chains start
   * at OpenSSL either way.
   */
  sodium?: boolean;
}

/**
 * The verifier chains, as one object: which verifiers it tries, and its caches (of OpenSSL key
 * objects, and of "is this key a prime-order point"). The process has one default
 * (`defaultSignatureVerifiers()`), which the exported functions of `ed25519.ts` use; a chain
 * built by hand shares nothing with it but the native addon and noble, which load once per
 * process (and once per worker thread).
 */
export class SignatureVerifiers {
  private readonly wantsSodium: boolean;
  private sodiumChecked = false;
  private sodiumAPI: Sodium | undefined;
  private readonly primeOrderKeys = new BoundedCache<boolean>(VERIFIER_KEY_CACHE_ENTRIES);
  private readonly publicKeyObjects = new BoundedCache<KeyObject | null>(VERIFIER_KEY_CACHE_ENTRIES);

  constructor(options: SignatureVerifierOptions = {}) {
    this.wantsSodium = options.sodium ?? true;
  }

  /** libsodium, loaded on the first verification, not before: loading the addon costs about as much as starting Node. */
  private libsodium(): Sodium | undefined {
    if (!this.sodiumChecked) {
      this.sodiumAPI = this.wantsSodium ? loadSodium() : undefined;
      this.sodiumChecked = true;
    }
    return this.sodiumAPI;
  }

  /** libsodium alone (undefined when this chain does not use it): stricter than both semantics (canonical encodings, no small-order points). */
  get sodium(): Verify | undefined {
    const sodium = this.libsodium();
    return sodium === undefined ? undefined : (pub, msg, sig) => sodium.verify(sig, msg, pub);
  }

  /** OpenSSL through node:crypto alone: exactly Go's crypto/ed25519. */
  readonly openssl: Verify = (pub, msg, sig) => {
    const ko = this.publicKeyObject(pub);
    return ko !== null && nodeVerify(null, msg, ko, sig);
  };

  /** @noble/ed25519 with zip215 alone: exactly Go's ed25519consensus. */
  readonly zip215: Verify = (pub, msg, sig) => {
    try {
      return nobleEd25519().verify(sig, msg, pub, { zip215: true });
    } catch {
      return false;
    }
  };

  /** ZIP-215 verification: AUM signatures, Direct and Credential node-key signatures. */
  readonly verifyZip215: Verify = (pub, message, sig) => {
    if (!shapeOK(pub, sig)) return false;
    const sodium = this.libsodium();
    if (sodium !== undefined) {
      if (sodium.verify(sig, message, pub)) return true;
      // When A and R are both canonical prime-order points, [S]B - [k]A - R lies in the prime-order
      // subgroup, so the cofactored (ZIP-215) and cofactorless (libsodium) equations agree, and
      // libsodium's "no" is final. Only crafted signatures (torsion, non-canonical encodings) go on
      // to the ~1 ms exact check. (40 µs for the R check, against ~1 ms for noble.)
      if (this.isPrimeOrderKey(pub) && sodium.isPrimeOrderPoint(sig.subarray(0, 32))) return false;
    }
    if (this.openssl(pub, message, sig)) return true;
    return this.zip215(pub, message, sig);
  };

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
  readonly verifyZip215StrictR: Verify = (pub, message, sig) => {
    if (!shapeOK(pub, sig)) return false;
    const sodium = this.libsodium();
    if (sodium !== undefined ? sodium.verify(sig, message, pub) : this.openssl(pub, message, sig))
      return true;
    if (this.isPrimeOrderKey(pub)) return false;
    return this.verifyZip215(pub, message, sig);
  };

  /** Go crypto/ed25519 verification: the outer signature of a Rotation node-key signature. */
  readonly verifyStandard: Verify = (pub, message, sig) => {
    if (!shapeOK(pub, sig)) return false;
    const sodium = this.libsodium();
    if (sodium !== undefined && sodium.verify(sig, message, pub)) return true;
    return this.openssl(pub, message, sig);
  };

  /** Whether a trusted key is a canonical prime-order point (asked once per key). */
  private isPrimeOrderKey(pub: Uint8Array): boolean {
    const id = b64url(pub);
    let ok = this.primeOrderKeys.get(id);
    if (ok === undefined) {
      ok = this.isPrimeOrderPoint(pub);
      this.primeOrderKeys.set(id, ok);
    }
    return ok;
  }

  /** Canonical encoding of a point in the prime-order subgroup: libsodium's check, else noble's (slower). */
  private isPrimeOrderPoint(p: Uint8Array): boolean {
    const sodium = this.libsodium();
    if (sodium !== undefined) return sodium.isPrimeOrderPoint(p);
    try {
      const point = nobleEd25519().Point.fromBytes(p, false);
      return !point.is0() && point.isTorsionFree();
    } catch {
      return false;
    }
  }

  private publicKeyObject(pub: Uint8Array): KeyObject | null {
    const id = b64url(pub);
    let ko = this.publicKeyObjects.get(id);
    if (ko === undefined) {
      try {
        // JWK import is ten times faster than SPKI DER.
        ko = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
      } catch {
        ko = null;
      }
      this.publicKeyObjects.set(id, ko);
    }
    return ko;
  }
}

let defaultChain: SignatureVerifiers | undefined;

/**
 * The process's verifier chains, built on first use: with libsodium unless the environment has
 * `TLOCK_NO_SODIUM=1` (read then, once; a test or benchmark that wants the other chain builds
 * its own `SignatureVerifiers`).
 */
export function defaultSignatureVerifiers(): SignatureVerifiers {
  defaultChain ??= new SignatureVerifiers({ sodium: process.env['TLOCK_NO_SODIUM'] !== '1' });
  return defaultChain;
}
