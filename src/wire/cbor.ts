import { TlockError } from '../errors.js';
import { MAX_CBOR_ARRAY_ITEMS, MAX_CBOR_MAP_PAIRS, MAX_CBOR_NESTING } from '../limits.js';
import { plainView } from './bytes.js';

/**
 * The CBOR subset Tailnet Lock uses, by hand (docs/DECISIONS.md says why).
 *
 * Decoding is in two steps, as in Tailscale's decoder: `parseCbor` checks that the whole input
 * is well-formed within the limits (no tags, no indefinite lengths, nesting ≤ 16, arrays ≤ 4096,
 * maps ≤ 1024 pairs, nothing trailing) and builds a tree; the model layer then reads the fields
 * it knows from that tree, checking types, UTF-8 and duplicate keys only where it reads, so that
 * a value under an unknown key is only required to be well-formed.
 */
export type CborItem = (
  | { readonly kind: 'uint'; readonly value: number | bigint } // number when ≤ 2^53 - 1
  | { readonly kind: 'nint'; readonly value: bigint } // the integer -1 - value
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly bytes: Uint8Array } // raw UTF-8, checked when read
  | { readonly kind: 'array'; readonly items: readonly CborItem[]; readonly minimal: boolean }
  | {
      readonly kind: 'map';
      readonly keys: readonly CborItem[];
      readonly values: readonly CborItem[];
      readonly minimal: boolean;
    }
  | { readonly kind: 'simple'; readonly value: number } // 20 false, 21 true, 22 null, 23 undefined
  | { readonly kind: 'float' }
) &
  CborSpan;

/**
 * Where an item sits in the parsed input: bytes [start, end). Arrays and maps also carry
 * `minimal`: every head inside them (their own included) is in its shortest form and none is a
 * float, the first condition for their bytes to be exactly what our canonical writer would
 * produce for them (src/model/canonical-bytes.ts decides the rest).
 */
export interface CborSpan {
  readonly start: number;
  readonly end: number;
}

export const SIMPLE_NULL = 22;
export const SIMPLE_UNDEFINED = 23;

export function isNullish(item: CborItem): boolean {
  return item.kind === 'simple' && (item.value === SIMPLE_NULL || item.value === SIMPLE_UNDEFINED);
}

function decodeError(message: string, offset: number): TlockError {
  return new TlockError('DECODE', `CBOR: ${message} (at byte ${offset})`);
}

class Parser {
  pos = 0;
  /** Heads seen so far that use more bytes than their value needs (or are floats). */
  longHeads = 0;
  constructor(readonly buf: Uint8Array) {}

  need(n: number, start: number): void {
    if (n > this.buf.length - this.pos)
      throw decodeError('input ends in the middle of an item (truncated)', start);
  }

  /** Reads the argument of a head with additional info `ai` (0..27), counting heads longer than needed. */
  argument(ai: number, start: number): number | bigint {
    if (ai < 24) return ai;
    const size = 1 << (ai - 24); // 1, 2, 4, 8 bytes
    this.need(size, start);
    const b = this.buf;
    const p = this.pos;
    this.pos += size;
    switch (size) {
      case 1: {
        const v = b[p]!;
        if (v < 24) this.longHeads++;
        return v;
      }
      case 2: {
        const v = (b[p]! << 8) | b[p + 1]!;
        if (v < 0x100) this.longHeads++;
        return v;
      }
      case 4: {
        const v = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
        if (v < 0x10000) this.longHeads++;
        return v;
      }
      default: {
        const hi = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
        const lo = ((b[p + 4]! << 24) >>> 0) + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
        if (hi === 0) this.longHeads++;
        if (hi < 0x200000) return hi * 0x100000000 + lo; // below 2^53: exact as a number
        return (BigInt(hi) << 32n) | BigInt(lo);
      }
    }
  }

  /** A length or count: anything that does not fit a safe integer cannot fit the input either. */
  count(ai: number, start: number): number {
    const n = this.argument(ai, start);
    if (typeof n === 'bigint') throw decodeError('length is larger than the input', start);
    return n;
  }

  item(depth: number): CborItem {
    const start = this.pos;
    const longBefore = this.longHeads;
    this.need(1, start);
    const initial = this.buf[this.pos++]!;
    const major = initial >> 5;
    const ai = initial & 31;
    if (ai === 31) {
      if (major === 7) throw decodeError('unexpected "break" byte', start);
      if (major >= 2 && major <= 5) throw decodeError('indefinite-length items are not allowed', start);
      throw decodeError(`additional info 31 is not valid for major type ${major}`, start);
    }
    if (ai >= 28) throw decodeError(`reserved additional info ${ai}`, start);
    switch (major) {
      case 0: {
        const value = this.argument(ai, start);
        return { kind: 'uint', value, start, end: this.pos };
      }
      case 1: {
        const value = BigInt(this.argument(ai, start));
        return { kind: 'nint', value, start, end: this.pos };
      }
      case 2:
      case 3: {
        const n = this.count(ai, start);
        this.need(n, start);
        const bytes = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return { kind: major === 2 ? 'bytes' : 'text', bytes, start, end: this.pos };
      }
      case 4: {
        if (depth + 1 > MAX_CBOR_NESTING)
          throw decodeError(`nesting deeper than ${MAX_CBOR_NESTING} levels`, start);
        const n = this.count(ai, start);
        if (n > MAX_CBOR_ARRAY_ITEMS) {
          throw decodeError(`array of ${n} items exceeds the limit of ${MAX_CBOR_ARRAY_ITEMS}`, start);
        }
        this.need(n, start); // every item takes at least one byte
        const items: CborItem[] = new Array<CborItem>(n);
        for (let i = 0; i < n; i++) items[i] = this.item(depth + 1);
        return { kind: 'array', items, minimal: this.longHeads === longBefore, start, end: this.pos };
      }
      case 5: {
        if (depth + 1 > MAX_CBOR_NESTING)
          throw decodeError(`nesting deeper than ${MAX_CBOR_NESTING} levels`, start);
        const n = this.count(ai, start);
        if (n > MAX_CBOR_MAP_PAIRS) {
          throw decodeError(`map of ${n} pairs exceeds the limit of ${MAX_CBOR_MAP_PAIRS}`, start);
        }
        this.need(2 * n, start);
        const keys: CborItem[] = new Array<CborItem>(n);
        const values: CborItem[] = new Array<CborItem>(n);
        for (let i = 0; i < n; i++) {
          keys[i] = this.item(depth + 1);
          values[i] = this.item(depth + 1);
        }
        return { kind: 'map', keys, values, minimal: this.longHeads === longBefore, start, end: this.pos };
      }
      case 6:
        throw decodeError('tags are not allowed', start);
      default: {
        // major 7: simple values and floats
        if (ai < 24) return { kind: 'simple', value: ai, start, end: this.pos };
        if (ai === 24) {
          const v = this.count(ai, start);
          if (v < 32) throw decodeError(`simple value ${v} must use the one-byte form`, start);
          return { kind: 'simple', value: v, start, end: this.pos };
        }
        this.argument(ai, start); // 2, 4 or 8 bytes of float
        this.longHeads++; // our writer never writes a float
        return { kind: 'float', start, end: this.pos };
      }
    }
  }
}

/** Parses one complete, well-formed CBOR item within Tailscale's limits; trailing bytes are refused. */
export function parseCbor(input: Uint8Array): CborItem {
  const parser = new Parser(plainView(input));
  if (input.length === 0) throw decodeError('empty input', 0);
  const item = parser.item(0);
  if (parser.pos !== input.length) {
    throw decodeError(`${input.length - parser.pos} trailing bytes after the item`, parser.pos);
  }
  return item;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a text item's UTF-8, refusing invalid sequences as Go's decoder does. */
export function readText(item: CborItem & { kind: 'text' }, what: string): string {
  try {
    return utf8Decoder.decode(item.bytes);
  } catch {
    throw new TlockError('DECODE', `CBOR: ${what} is not valid UTF-8`);
  }
}

export function describeItem(item: CborItem): string {
  if (item.kind === 'simple') {
    const names: Record<number, string> = { 20: 'false', 21: 'true', 22: 'null', 23: 'undefined' };
    return names[item.value] ?? `simple value ${item.value}`;
  }
  if (item.kind === 'nint') return 'a negative integer';
  if (item.kind === 'uint') return 'an unsigned integer';
  if (item.kind === 'bytes') return 'a byte string';
  if (item.kind === 'text') return 'a text string';
  return item.kind === 'array' ? 'an array' : `a ${item.kind}`;
}

// ---------------------------------------------------------------------------------------------
// Encoding: canonical (CTAP2) output only. Callers write map keys in canonical order.

const utf8Encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function utf8(text: string, what: string): Uint8Array {
  if (LONE_SURROGATE.test(text)) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `${what}: text contains a lone UTF-16 surrogate, which UTF-8 cannot carry`,
    );
  }
  return utf8Encoder.encode(text);
}

export class CborWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** A head in its shortest form. `value` must be a non-negative integer below 2^64. */
  head(major: number, value: number | bigint): void {
    const m = major << 5;
    if (typeof value === 'bigint') {
      if (value < 0n || value >= 1n << 64n) {
        throw new TlockError('INVALID_ARGUMENT', `CBOR: integer ${value} is outside 0..2^64-1`);
      }
      if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return this.head(major, Number(value));
      this.reserve(9);
      this.buf[this.len++] = m | 27;
      for (let shift = 56n; shift >= 0n; shift -= 8n) this.buf[this.len++] = Number((value >> shift) & 0xffn);
      return;
    }
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TlockError('INVALID_ARGUMENT', `CBOR: ${value} is not a non-negative integer`);
    }
    this.reserve(9);
    const b = this.buf;
    if (value < 24) {
      b[this.len++] = m | value;
    } else if (value < 0x100) {
      b[this.len++] = m | 24;
      b[this.len++] = value;
    } else if (value < 0x10000) {
      b[this.len++] = m | 25;
      b[this.len++] = value >> 8;
      b[this.len++] = value & 0xff;
    } else if (value < 0x100000000) {
      b[this.len++] = m | 26;
      b[this.len++] = value >>> 24;
      b[this.len++] = (value >> 16) & 0xff;
      b[this.len++] = (value >> 8) & 0xff;
      b[this.len++] = value & 0xff;
    } else {
      const hi = Math.floor(value / 0x100000000);
      const lo = value >>> 0;
      b[this.len++] = m | 27;
      for (const word of [hi, lo]) {
        b[this.len++] = word >>> 24;
        b[this.len++] = (word >> 16) & 0xff;
        b[this.len++] = (word >> 8) & 0xff;
        b[this.len++] = word & 0xff;
      }
    }
  }

  uint(value: number | bigint): void {
    this.head(0, value);
  }

  bytes(value: Uint8Array): void {
    this.head(2, value.length);
    this.raw(value);
  }

  text(encoded: Uint8Array): void {
    this.head(3, encoded.length);
    this.raw(encoded);
  }

  arrayHeader(n: number): void {
    this.head(4, n);
  }

  mapHeader(n: number): void {
    this.head(5, n);
  }

  null(): void {
    this.reserve(1);
    this.buf[this.len++] = 0xf6;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** The bytes written so far, without a copy: valid until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  reset(): this {
    this.len = 0;
    return this;
  }
}

const scratch = new CborWriter();

/**
 * A shared writer for output that is used at once and never kept (shape checks, bytes to hash):
 * saves allocating a buffer per call. Its contents are valid until the next call; encoding is
 * synchronous, so no two users can interleave.
 */
export function scratchWriter(): CborWriter {
  return scratch.reset();
}
