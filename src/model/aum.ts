import { TlockError } from '../errors.js';
import { blake2s256 } from '../crypto/blake2s.js';
import { type CborItem, type CborWriter, isNullish, parseCbor, scratchWriter } from '../wire/cbor.js';
import {
  readArray,
  readBytes,
  readStruct,
  readTextMap,
  readUint64,
  readUint8,
  writeTextMap,
} from '../wire/cbor-struct.js';
import { requireBytes } from '../wire/bytes.js';
import { isCanonicalAUM } from './canonical-bytes.js';
import { checkNullableBytes, checkOptionalBytes, checkUint64, checkUint8, isEmptyObject } from './checks.js';
import { type Key, cloneKey, readKey, validateKey, writeKey } from './key.js';
import { type State, cloneState, readState, validateCheckpointState, writeState } from './state.js';

export const AUMKind = {
  Invalid: 0,
  AddKey: 1,
  RemoveKey: 2,
  NoOp: 3,
  UpdateKey: 4,
  Checkpoint: 5,
} as const;

/** Tailscale's names for AUM kinds (used in logs and JSON). */
export function aumKindName(kind: number): string {
  const names = ['invalid', 'add-key', 'remove-key', 'no-op', 'update-key', 'checkpoint'];
  return names[kind] ?? `AUM?<${kind}>`;
}

/** A signature on an AUM. `null` and empty bytes are different values on the wire. */
export interface AumSignature {
  keyID: Uint8Array | null;
  signature: Uint8Array | null;
}

/**
 * An authority update message (docs/FORMAT.md §2.4). Optional fields that are present but empty
 * (an empty `keyID` or `meta`) encode like absent ones but count as present for validation, as
 * in Tailscale.
 */
export interface AUM {
  messageKind: number;
  /** The parent's hash; `null` for a genesis AUM. */
  prevAUMHash: Uint8Array | null;
  key?: Key;
  keyID?: Uint8Array;
  state?: State;
  /** Decoded votes may be any uint64 (bigint above 2^53-1). */
  votes?: number | bigint;
  meta?: Record<string, string>;
  signatures?: AumSignature[];
}

const AUM_FIELDS = [1, 2, 3, 4, 5, 6, 7, 23] as const;
const SIG_FIELDS = [1, 2] as const;

export function readAUM(item: CborItem): AUM {
  const f = readStruct(item, 'AUM', AUM_FIELDS);
  const aum: AUM = {
    messageKind: readUint8(f?.get(1), 'AUM messageKind'),
    prevAUMHash: readBytes(f?.get(2), 'AUM prevAUMHash'),
  };
  const key = f?.get(3);
  if (key !== undefined && !isNullish(key)) aum.key = readKey(key, 'AUM key');
  const keyID = readBytes(f?.get(4), 'AUM keyID');
  if (keyID !== null) aum.keyID = keyID;
  const state = f?.get(5);
  if (state !== undefined && !isNullish(state)) aum.state = readState(state, 'AUM state');
  const votes = readUint64(f?.get(6), 'AUM votes');
  if (votes !== undefined) aum.votes = votes;
  const meta = readTextMap(f?.get(7), 'AUM meta');
  if (meta !== undefined) aum.meta = meta;
  const sigs = readArray(f?.get(23), 'AUM signatures', (el, i) => {
    const s = readStruct(el, `AUM signature ${i}`, SIG_FIELDS);
    return {
      keyID: readBytes(s?.get(1), `AUM signature ${i} keyID`),
      signature: readBytes(s?.get(2), `AUM signature ${i} signature`),
    };
  });
  if (sigs !== null) aum.signatures = sigs;
  return aum;
}

/** Strictly decodes an AUM, accepting and refusing exactly what Tailscale does. Throws DECODE. */
export function decodeAUM(bytes: Uint8Array): AUM {
  requireBytes(bytes, 'decodeAUM: bytes');
  return readAUM(parseCbor(bytes));
}

/**
 * readAUM with the AUM's hash, for an `item` parsed from `input`: taken over the input bytes
 * when they are canonical (isCanonicalAUM), so that what was just decoded is not re-encoded.
 */
export function readAUMHashed(input: Uint8Array, item: CborItem): { aum: AUM; hash: Uint8Array } {
  const aum = readAUM(item);
  const hash = isCanonicalAUM(item) ? blake2s256(input.subarray(item.start, item.end)) : aumHash(aum);
  return { aum, hash };
}

function writeAUM(w: CborWriter, aum: AUM, withSignatures: boolean): void {
  if (typeof aum !== 'object' || aum === null)
    throw new TlockError('INVALID_ARGUMENT', 'AUM: expected an object');
  const kind = checkUint8(aum.messageKind, 'AUM.messageKind');
  const prev = checkNullableBytes(aum.prevAUMHash, 'AUM.prevAUMHash');
  const keyID = checkOptionalBytes(aum.keyID, 'AUM.keyID');
  const votes = aum.votes === undefined ? undefined : checkUint64(aum.votes, 'AUM.votes');
  const sigs = withSignatures ? aum.signatures : undefined;
  if (sigs !== undefined && !Array.isArray(sigs)) {
    throw new TlockError('INVALID_ARGUMENT', 'AUM.signatures: expected an array');
  }
  const hasKeyID = keyID !== undefined && keyID.length > 0;
  const hasMeta = aum.meta !== undefined && !isEmptyObject(aum.meta);
  const hasSigs = sigs !== undefined && sigs.length > 0;
  const n =
    2 +
    (aum.key !== undefined ? 1 : 0) +
    (hasKeyID ? 1 : 0) +
    (aum.state !== undefined ? 1 : 0) +
    (votes !== undefined ? 1 : 0) +
    (hasMeta ? 1 : 0) +
    (hasSigs ? 1 : 0);
  w.mapHeader(n);
  w.uint(1);
  w.uint(kind);
  w.uint(2);
  if (prev === null) w.null();
  else w.bytes(prev);
  if (aum.key !== undefined) {
    w.uint(3);
    writeKey(w, aum.key, 'AUM.key');
  }
  if (hasKeyID) {
    w.uint(4);
    w.bytes(keyID);
  }
  if (aum.state !== undefined) {
    w.uint(5);
    writeState(w, aum.state, 'AUM.state');
  }
  if (votes !== undefined) {
    w.uint(6);
    w.uint(votes);
  }
  if (hasMeta) {
    w.uint(7);
    writeTextMap(w, aum.meta!, 'AUM.meta');
  }
  if (hasSigs) {
    w.uint(23);
    w.arrayHeader(sigs.length);
    sigs.forEach((s, i) => {
      if (typeof s !== 'object' || s === null) {
        throw new TlockError('INVALID_ARGUMENT', `AUM.signatures[${i}]: expected an object`);
      }
      const id = checkNullableBytes(s.keyID, `AUM.signatures[${i}].keyID`);
      const sig = checkNullableBytes(s.signature, `AUM.signatures[${i}].signature`);
      w.mapHeader(2);
      w.uint(1);
      if (id === null) w.null();
      else w.bytes(id);
      w.uint(2);
      if (sig === null) w.null();
      else w.bytes(sig);
    });
  }
}

/** Canonical CBOR of an AUM (the bytes its hash is over). */
export function encodeAUM(aum: AUM): Uint8Array {
  const w = scratchWriter();
  writeAUM(w, aum, true);
  return w.finish();
}

/** BLAKE2s-256 of the canonical encoding. */
export function aumHash(aum: AUM): Uint8Array {
  const w = scratchWriter();
  writeAUM(w, aum, true);
  return blake2s256(w.view());
}

/** BLAKE2s-256 of the canonical encoding without signatures: what signers sign. */
export function aumSigHash(aum: AUM): Uint8Array {
  const w = scratchWriter();
  writeAUM(w, aum, false);
  return blake2s256(w.view());
}

/** The parent hash as Tailscale reads it: any non-empty prevAUMHash, cut or zero-padded to 32 bytes. */
export function aumParent(aum: AUM): Uint8Array | undefined {
  const p = aum.prevAUMHash;
  if (p === null || p.length === 0) return undefined;
  if (p.length === 32) return p;
  const out = new Uint8Array(32);
  out.set(p.subarray(0, 32));
  return out;
}

/** Static validation (docs/FORMAT.md §5.1). Throws INVALID_AUM with a message naming the rule broken. */
export function validateAUM(aum: AUM): void {
  writeAUM(scratchWriter(), aum, true); // shape check: refuses what cannot be encoded
  const fail = (msg: string): never => {
    throw new TlockError('INVALID_AUM', msg);
  };
  if (aum.key !== undefined) validateKey(aum.key, 'AUM key');
  if (aum.prevAUMHash !== null && aum.prevAUMHash.length === 0) {
    fail('an absent parent must be null, not an empty byte string (prevAUMHash)');
  }
  (aum.signatures ?? []).forEach((s, i) => {
    if (s.keyID?.length !== 32 || s.signature?.length !== 64) {
      fail(`signature ${i} must have a 32-byte keyID and a 64-byte signature`);
    }
  });
  if (aum.state !== undefined) validateCheckpointState(aum.state);
  const has = {
    key: aum.key !== undefined,
    keyID: aum.keyID !== undefined,
    state: aum.state !== undefined,
    votes: aum.votes !== undefined,
    meta: aum.meta !== undefined,
  };
  switch (aum.messageKind) {
    case AUMKind.AddKey:
      if (!has.key) fail('AddKey AUMs must contain a key');
      if (has.keyID || has.state || has.votes || has.meta) fail('AddKey AUMs may only specify a key');
      break;
    case AUMKind.RemoveKey:
      if (!aum.keyID?.length) fail('RemoveKey AUMs must specify a key ID');
      if (has.key || has.state || has.votes || has.meta) fail('RemoveKey AUMs may only specify a key ID');
      break;
    case AUMKind.UpdateKey:
      if (!aum.keyID?.length) fail('UpdateKey AUMs must specify a key ID');
      if (!has.meta && !has.votes) fail('UpdateKey AUMs must update votes or metadata');
      if (has.key || has.state) fail('UpdateKey AUMs may only specify a key ID, votes and metadata');
      break;
    case AUMKind.Checkpoint:
      if (!has.state) fail('Checkpoint AUMs must specify the state');
      if (has.keyID || has.key || has.votes || has.meta) fail('Checkpoint AUMs may only specify the state');
      break;
    default:
    // NoOp, Invalid and unknown kinds: accepted and applied as no-ops (forward compatibility).
  }
}

/** A deep copy (bytes included) that keeps every field's presence as it is. */
export function cloneAUM(aum: AUM): AUM {
  const out: AUM = {
    messageKind: aum.messageKind,
    prevAUMHash: aum.prevAUMHash === null ? null : aum.prevAUMHash.slice(),
  };
  if (aum.key !== undefined) out.key = cloneKey(aum.key);
  if (aum.keyID !== undefined) out.keyID = aum.keyID.slice();
  if (aum.state !== undefined) out.state = cloneState(aum.state);
  if (aum.votes !== undefined) out.votes = aum.votes;
  if (aum.meta !== undefined) out.meta = { ...aum.meta };
  if (aum.signatures !== undefined) {
    out.signatures = aum.signatures.map((s) => ({
      keyID: s.keyID === null ? null : s.keyID.slice(),
      signature: s.signature === null ? null : s.signature.slice(),
    }));
  }
  return out;
}
