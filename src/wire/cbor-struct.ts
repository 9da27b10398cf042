import { TlockError } from '../errors.js';
import { type CborItem, type CborWriter, describeItem, isNullish, readText, utf8 } from './cbor.js';

/**
 * Reading and writing integer-keyed CBOR maps (Tailscale's `keyasint` structs) with exactly the
 * leniency and strictness of Tailscale's decoder:
 * - an integer key (or the text of its decimal digits) selects a field; a second key for the
 *   same field is a duplicate and refused;
 * - unknown integer or text keys are ignored, but refused when repeated; keys of any other type
 *   (byte strings, arrays, …) and integer keys outside int64 are refused;
 * - `null` and `undefined` mean "unset" for every field.
 */

const INT64_MAX = (1n << 63n) - 1n;

function fail(what: string, message: string): never {
  throw new TlockError('DECODE', `CBOR: ${what}: ${message}`);
}

/**
 * Returns the values of the known fields of a struct map, or `null` for a `null`/`undefined`
 * struct (which decodes as a struct with every field unset).
 */
export function readStruct(
  item: CborItem,
  what: string,
  fields: readonly number[],
): Map<number, CborItem> | null {
  if (isNullish(item)) return null;
  if (item.kind !== 'map') fail(what, `expected a map, got ${describeItem(item)}`);
  const found = new Map<number, CborItem>();
  let unknown: Set<string> | undefined;
  for (let i = 0; i < item.keys.length; i++) {
    const key = item.keys[i]!;
    let field: number | undefined;
    let text: string | undefined;
    let int: number | bigint | undefined;
    if (key.kind === 'uint') {
      // Go converts with int64(val): keys of 2^63 and more wrap to negative, so unknown, keys.
      // Numbers are below 2^53; only a bigint can overflow int64.
      const v = key.value;
      const asInt64 = typeof v === 'bigint' && v > INT64_MAX ? v - (1n << 64n) : v;
      if (typeof asInt64 === 'number' && fields.includes(asInt64)) field = asInt64;
      int = asInt64;
    } else if (key.kind === 'nint') {
      if (key.value > INT64_MAX) fail(what, `map key -1-${key.value} overflows int64`);
      int = -1n - key.value;
    } else if (key.kind === 'text') {
      text = readText(key, `${what} map key`);
      const n = /^(0|[1-9][0-9]{0,3})$/.test(text) ? Number(text) : NaN;
      if (fields.includes(n)) field = n;
    } else {
      fail(what, `map key is ${describeItem(key)}; only integer and text keys are allowed`);
    }
    if (field !== undefined) {
      if (found.has(field)) fail(what, `duplicate map key ${field}`);
      found.set(field, item.values[i]!);
    } else {
      // Built only for unknown keys: int:7 and text:7 are different keys.
      const name = text !== undefined ? `text:${text}` : `int:${int}`;
      unknown ??= new Set();
      if (unknown.has(name)) fail(what, `duplicate map key ${name.replace(/^[a-z]+:/, '')}`);
      unknown.add(name);
    }
  }
  return found;
}

/**
 * The value Go's decoder stores from `item` into an unsigned integer field: an unsigned integer,
 * or a simple value other than false and true (fxamacker/cbor fills integers from simple values
 * 0..19 and 32..255). Anything else is refused.
 */
function unsignedOf(item: CborItem, what: string): number | bigint {
  if (item.kind === 'uint') return item.value;
  if (item.kind === 'simple' && item.value !== 20 && item.value !== 21) return item.value;
  return fail(what, `expected an unsigned integer, got ${describeItem(item)}`);
}

/** A uint8 field (kinds). Unset is 0. */
export function readUint8(item: CborItem | undefined, what: string): number {
  if (item === undefined || isNullish(item)) return 0;
  const value = unsignedOf(item, what);
  if (typeof value === 'bigint' || value > 0xff) fail(what, `${value} overflows uint8`);
  return value;
}

/** A uint64 field; `undefined` when unset. Numbers up to 2^53-1, bigints above. */
export function readUint64(item: CborItem | undefined, what: string): number | bigint | undefined {
  if (item === undefined || isNullish(item)) return undefined;
  return unsignedOf(item, what);
}

/**
 * A byte-string field: `null` when unset. An array of small unsigned integers is accepted where
 * bytes are expected (Go decodes it into a []byte element by element; null elements are 0).
 */
export function readBytes(item: CborItem | undefined, what: string): Uint8Array | null {
  if (item === undefined || isNullish(item)) return null;
  if (item.kind === 'bytes') return item.bytes.slice();
  if (item.kind === 'array') return bytesFromArray(item.items, item.items.length, what);
  return fail(what, `expected a byte string, got ${describeItem(item)}`);
}

function bytesFromArray(items: readonly CborItem[], n: number, what: string): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const el = items[i]!;
    if (isNullish(el)) continue;
    const value = unsignedOf(el, `${what} byte ${i}`);
    if (typeof value === 'bigint' || value > 0xff) fail(what, `byte ${i}: ${value} overflows uint8`);
    out[i] = value;
  }
  return out;
}

/**
 * A fixed 32-byte field (Go [32]byte): other lengths are cut or zero-padded; array elements
 * past the 32nd are skipped unchecked, as Go does.
 */
export function readBytes32(item: CborItem | undefined, what: string): Uint8Array | null {
  if (item === undefined || isNullish(item)) return null;
  const out = new Uint8Array(32);
  if (item.kind === 'bytes') {
    out.set(item.bytes.subarray(0, 32));
    return out;
  }
  if (item.kind === 'array') {
    out.set(bytesFromArray(item.items, Math.min(32, item.items.length), what));
    return out;
  }
  return fail(what, `expected a byte string, got ${describeItem(item)}`);
}

/** An array field; `null` when unset. */
export function readArray<T>(
  item: CborItem | undefined,
  what: string,
  element: (el: CborItem, i: number) => T,
): T[] | null {
  if (item === undefined || isNullish(item)) return null;
  if (item.kind !== 'array') fail(what, `expected an array, got ${describeItem(item)}`);
  return item.items.map(element);
}

/**
 * A text→text map (metadata); `undefined` when unset. Go decodes every pair into one reused key
 * and one reused value (fxamacker/cbor, for immutable kinds), and `null` leaves them as they were:
 * so a null value repeats the previous pair's value ("" in the first pair), and a null key repeats
 * the previous key (and so is a duplicate), or is "" in the first pair. The hash of a re-encoded
 * AUM depends on this, so it is copied exactly.
 */
export function readTextMap(item: CborItem | undefined, what: string): Record<string, string> | undefined {
  if (item === undefined || isNullish(item)) return undefined;
  if (item.kind !== 'map') fail(what, `expected a map, got ${describeItem(item)}`);
  const out: Record<string, string> = {};
  let name = '';
  let value = '';
  for (let i = 0; i < item.keys.length; i++) {
    const k = item.keys[i]!;
    const v = item.values[i]!;
    if (!isNullish(k)) {
      if (k.kind !== 'text') fail(what, `map key is ${describeItem(k)}; expected text`);
      name = readText(k, `${what} key`);
    }
    if (Object.hasOwn(out, name)) fail(what, `duplicate map key ${JSON.stringify(name)}`);
    if (!isNullish(v)) {
      if (v.kind !== 'text')
        fail(what, `value of ${JSON.stringify(name)} is ${describeItem(v)}; expected text`);
      value = readText(v, `${what} value`);
    }
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Writes a text→text map in canonical order: shorter UTF-8 first, then bytewise. */
export function writeTextMap(w: CborWriter, map: Record<string, string>, what: string): void {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected an object of text keys and values`);
  }
  const entries = Object.keys(map).map((k) => {
    const v: unknown = map[k];
    if (typeof v !== 'string')
      throw new TlockError('INVALID_ARGUMENT', `${what}: value of ${JSON.stringify(k)} must be a string`);
    return [utf8(k, `${what} key`), utf8(v, `${what} value`)] as const;
  });
  entries.sort(([a], [b]) => {
    if (a.length !== b.length) return a.length - b.length;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  });
  w.mapHeader(entries.length);
  for (const [k, v] of entries) {
    w.text(k);
    w.text(v);
  }
}
