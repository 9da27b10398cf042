import { TlockError } from '../errors.js';

// Small byte helpers for the wire layer. Not for secrets: see crypto/ for constant-time compare.

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  // Native, and a flat string: cheaper to use as a Map key than 64 concatenated characters.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Character code → hex digit value, or -1. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[HEX.charCodeAt(i)] = i;
  HEX_VALUE[HEX.toUpperCase().charCodeAt(i)] = i;
}

/** Strict hex: even length, [0-9a-fA-F] only. */
export function fromHex(text: string, what = 'hex'): Uint8Array {
  if (typeof text !== 'string') throw new TlockError('INVALID_ARGUMENT', `${what}: expected a string`);
  const out = text.length % 2 === 0 ? hexBytes(text) : undefined;
  if (out === undefined) {
    throw new TlockError('DECODE', `${what}: not hex (expected an even number of 0-9, a-f characters)`);
  }
  return out;
}

function hexBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = text.charCodeAt(2 * i);
    const lo = text.charCodeAt(2 * i + 1);
    const v = ((hi < 128 ? HEX_VALUE[hi]! : -1) << 4) | (lo < 128 ? HEX_VALUE[lo]! : -1);
    if (v < 0) return undefined;
    out[i] = v;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytewise order, shorter first on a common prefix (Go's bytes.Compare). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A plain Uint8Array view of any Uint8Array (a Buffer included), so that .slice() copies. */
export function plainView(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Input check used at every public door: names the parameter and the expected size. */
export function requireBytes(value: unknown, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected a Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return `${typeof value} ${value}`;
  return typeof value;
}
