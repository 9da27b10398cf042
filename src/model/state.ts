import { TlockError } from '../errors.js';
import { MAX_DISABLEMENT_VALUES, MAX_KEYS } from '../limits.js';
import type { CborItem, CborWriter } from '../wire/cbor.js';
import { readArray, readBytes, readBytes32, readStruct, readUint64 } from '../wire/cbor-struct.js';
import { bytesEqual, toHex } from '../wire/bytes.js';
import { checkNullableBytes, checkUint64 } from './checks.js';
import { type Key, cloneKey, keyIDOf, readKey, validateKey, writeKey } from './key.js';

/** The trusted-key state (docs/FORMAT.md §2.2), carried by checkpoints. */
export interface State {
  /** Hash of the last AUM applied; `null` in a checkpoint's own state. */
  lastAUMHash: Uint8Array | null;
  /** KDF outputs of the disablement secrets. `null` elements only arise from decoding odd input. */
  disablementValues: (Uint8Array | null)[] | null;
  keys: Key[] | null;
  /** Random IDs fixed for an authority's life; absent means 0. */
  stateID1?: bigint;
  stateID2?: bigint;
}

const STATE_FIELDS = [1, 2, 3, 4, 5] as const;

export function readState(item: CborItem, what: string): State {
  const f = readStruct(item, what, STATE_FIELDS);
  const state: State = {
    lastAUMHash: readBytes32(f?.get(1), `${what} lastAUMHash`),
    disablementValues: readArray(f?.get(2), `${what} disablementValues`, (el, i) =>
      readBytes(el, `${what} disablementValues[${i}]`),
    ),
    keys: readArray(f?.get(3), `${what} keys`, (el, i) => readKey(el, `${what} keys[${i}]`)),
  };
  const id1 = readUint64(f?.get(4), `${what} stateID1`);
  const id2 = readUint64(f?.get(5), `${what} stateID2`);
  if (id1 !== undefined && id1 !== 0) state.stateID1 = BigInt(id1);
  if (id2 !== undefined && id2 !== 0) state.stateID2 = BigInt(id2);
  return state;
}

export function writeState(w: CborWriter, state: State, what: string): void {
  if (typeof state !== 'object' || state === null) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected a State object`);
  }
  const last = checkNullableBytes(state.lastAUMHash, `${what}.lastAUMHash`);
  if (last !== null && last.length !== 32) {
    throw new TlockError('INVALID_ARGUMENT', `${what}.lastAUMHash: expected 32 bytes, got ${last.length}`);
  }
  const ds = state.disablementValues;
  if (ds !== null && !Array.isArray(ds)) {
    throw new TlockError('INVALID_ARGUMENT', `${what}.disablementValues: expected an array or null`);
  }
  const keys = state.keys;
  if (keys !== null && !Array.isArray(keys)) {
    throw new TlockError('INVALID_ARGUMENT', `${what}.keys: expected an array or null`);
  }
  const id1 = state.stateID1 === undefined ? 0 : checkUint64(state.stateID1, `${what}.stateID1`);
  const id2 = state.stateID2 === undefined ? 0 : checkUint64(state.stateID2, `${what}.stateID2`);
  const hasID1 = BigInt(id1) !== 0n;
  const hasID2 = BigInt(id2) !== 0n;
  w.mapHeader(3 + (hasID1 ? 1 : 0) + (hasID2 ? 1 : 0));
  w.uint(1);
  if (last === null) w.null();
  else w.bytes(last);
  w.uint(2);
  if (ds === null) {
    w.null();
  } else {
    w.arrayHeader(ds.length);
    ds.forEach((d, i) => {
      const v = checkNullableBytes(d, `${what}.disablementValues[${i}]`);
      if (v === null) w.null();
      else w.bytes(v);
    });
  }
  w.uint(3);
  if (keys === null) {
    w.null();
  } else {
    w.arrayHeader(keys.length);
    keys.forEach((k, i) => writeKey(w, k, `${what}.keys[${i}]`));
  }
  if (hasID1) {
    w.uint(4);
    w.uint(id1);
  }
  if (hasID2) {
    w.uint(5);
    w.uint(id2);
  }
}

/** A state's IDs, absent counting as 0. */
export function stateIDs(state: State): [bigint, bigint] {
  return [state.stateID1 ?? 0n, state.stateID2 ?? 0n];
}

const NO_BYTES = new Uint8Array(0);

/**
 * Where the trusted key with this ID is in `state.keys`, or -1: the one key lookup, as
 * Tailscale's State.GetKey does it. The ID is compared bytewise with each key's ID (`keyIDOf`;
 * an unset `keyID` counts as empty), first match; a key of an unknown kind before the match is
 * an error (INVALID_AUM), as in Go, since its ID cannot be known. States built by the state
 * machine never hold one: only a damaged store or a caller's own State can.
 */
export function findKeyIndex(state: State, keyID: Uint8Array | null | undefined): number {
  const id = keyID ?? NO_BYTES;
  const keys = state.keys ?? [];
  for (let i = 0; i < keys.length; i++) {
    if (bytesEqual(keyIDOf(keys[i]!), id)) return i;
  }
  return -1;
}

/** The trusted key with this ID, if any (`findKeyIndex` says how it is found). */
export function findKey(state: State, keyID: Uint8Array | null | undefined): Key | undefined {
  const i = findKeyIndex(state, keyID);
  return i < 0 ? undefined : state.keys![i];
}

/** docs/FORMAT.md §5.1: the state inside a checkpoint. Throws INVALID_AUM naming the rule broken. */
export function validateCheckpointState(state: State): void {
  const fail = (msg: string): never => {
    throw new TlockError('INVALID_AUM', `checkpoint state: ${msg}`);
  };
  if (state.lastAUMHash !== null) fail('cannot specify a parent AUM (lastAUMHash must be unset)');
  const ds = state.disablementValues ?? [];
  if (ds.length === 0) fail('at least one disablement value is required');
  if (ds.length > MAX_DISABLEMENT_VALUES)
    fail(`too many disablement values (${ds.length}, max ${MAX_DISABLEMENT_VALUES})`);
  const seenDs = new Set<string>();
  ds.forEach((d, i) => {
    const len = d === null ? 0 : d.length;
    if (len !== 32) fail(`disablement value ${i}: invalid length (got ${len}, want 32)`);
    const hex = toHex(d!);
    if (seenDs.has(hex)) fail(`disablement value ${i} duplicates an earlier one`);
    seenDs.add(hex);
  });
  const keys = state.keys ?? [];
  if (keys.length === 0) fail('at least one key is required');
  if (keys.length > MAX_KEYS) fail(`too many keys (${keys.length}, max ${MAX_KEYS})`);
  keys.forEach((k, i) => validateKey(k, `checkpoint state: key ${i}`));
  const seenKeys = new Set<string>();
  keys.forEach((k, i) => {
    const hex = toHex(keyIDOf(k));
    if (seenKeys.has(hex)) fail(`key ${i} duplicates an earlier key`);
    seenKeys.add(hex);
  });
}

export function cloneState(state: State): State {
  const out: State = {
    lastAUMHash: state.lastAUMHash === null ? null : state.lastAUMHash.slice(),
    disablementValues:
      state.disablementValues === null ? null : state.disablementValues.map((d) => d?.slice() ?? null),
    keys: state.keys === null ? null : state.keys.map(cloneKey),
  };
  if (state.stateID1 !== undefined) out.stateID1 = state.stateID1;
  if (state.stateID2 !== undefined) out.stateID2 = state.stateID2;
  return out;
}
