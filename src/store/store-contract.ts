import { TlockError } from '../errors.js';
import { blake2s256 } from '../crypto/blake2s.js';
import { type AUM, cloneAUM, decodeAUM, encodeAUM } from '../model/aum.js';
import { requireBytes, toHex } from '../wire/bytes.js';

/*
 * What every AumStore does at its door (src/authority/store.ts): async errors, checked hashes,
 * batches checked whole before anything is stored, and copies in and out so that callers can
 * never change what is stored.
 */

/** Runs `fn`, turning a throw into a rejected promise (every store method is async). */
export function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/** A 32-byte AUM hash argument, else INVALID_ARGUMENT. */
export function requireHash(hash: unknown, what: string): Uint8Array {
  return requireBytes(hash, what, 32);
}

export interface PreparedAUM {
  hash: Uint8Array;
  /** The store's own copy: decoded from the canonical encoding, so exactly what a later read gives. */
  aum: AUM;
  /** The canonical encoding. */
  bytes: Uint8Array;
}

/**
 * Checks and normalises a batch before anything is stored: each AUM is encoded and the kept copy
 * decoded from those bytes. Duplicates collapse. Anything that does not encode: INVALID_ARGUMENT.
 */
export function prepareBatch(aums: unknown, what: string): PreparedAUM[] {
  if (!Array.isArray(aums)) throw new TlockError('INVALID_ARGUMENT', `${what}: expected an array of AUMs`);
  const batch = new Map<string, PreparedAUM>();
  aums.forEach((aum: unknown, i) => {
    let bytes: Uint8Array;
    let copy: AUM;
    try {
      bytes = encodeAUM(aum as AUM);
      copy = decodeAUM(bytes);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new TlockError('INVALID_ARGUMENT', `${what}: aums[${i}]: ${message}`, { cause: e });
    }
    const hash = blake2s256(bytes);
    const key = toHex(hash);
    if (!batch.has(key)) batch.set(key, { hash, aum: copy, bytes });
  });
  return [...batch.values()];
}

/** A copy of a stored AUM to hand to a caller, who may change it. */
export function handOut(aum: AUM): AUM {
  return cloneAUM(aum);
}
