import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import type { RawSignature } from './netmap-fixture.js';

/*
 * The floors of the netmap and hook cases: verifying the same signatures with nothing around
 * them, single-threaded. node:crypto is what a Node implementation gets without native addons;
 * libsodium is the verifier tlock itself uses, so its figure is the honest floor: the ratio of
 * the two differs between machines (0.49-0.60 seen), and a target against node:crypto alone
 * would move with it.
 */

export interface SignatureFloors {
  /** node:crypto `verify` of every signature, key objects built once (JWK import). */
  nodeCrypto(): void;
  /** libsodium `crypto_sign_verify_detached` of every signature, one core. */
  sodium(): void;
}

interface SodiumVerify {
  crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
}

export function signatureFloors(raw: readonly RawSignature[]): SignatureFloors {
  const keys = new Map<Uint8Array, KeyObject>();
  for (const r of raw) {
    if (keys.has(r.public)) continue;
    const x = Buffer.from(r.public).toString('base64url');
    keys.set(r.public, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }));
  }
  // The benchmark needs libsodium: without it there is no honest floor to report against.
  const sodium = createRequire(import.meta.url)('sodium-native') as SodiumVerify;
  return {
    nodeCrypto() {
      for (const r of raw) {
        if (!verify(null, r.sigHash, keys.get(r.public)!, r.signature))
          throw new Error('floor: bad signature');
      }
    },
    sodium() {
      for (const r of raw) {
        if (!sodium.crypto_sign_verify_detached(r.signature, r.sigHash, r.public))
          throw new Error('floor: bad signature');
      }
    },
  };
}
