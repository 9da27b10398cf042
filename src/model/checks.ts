import { TlockError } from '../errors.js';
import { describe } from '../wire/bytes.js';

// Input checks for values that callers build and hand to the encoders (decoded values always pass).

export function checkUint8(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected an integer 0..255, got ${describe(value)}`);
  }
  return value;
}

export function checkUint64(value: unknown, what: string): number | bigint {
  if (typeof value === 'bigint') {
    if (value >= 0n && value < 1n << 64n) return value;
  } else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return value;
  }
  throw new TlockError(
    'INVALID_ARGUMENT',
    `${what}: expected an unsigned 64-bit integer, got ${describe(value)}`,
  );
}

export function checkNullableBytes(value: unknown, what: string): Uint8Array | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return value;
  throw new TlockError('INVALID_ARGUMENT', `${what}: expected a Uint8Array or null, got ${describe(value)}`);
}

export function checkOptionalBytes(value: unknown, what: string): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) return value;
  throw new TlockError('INVALID_ARGUMENT', `${what}: expected a Uint8Array, got ${describe(value)}`);
}

/** True for an object with no own keys; anything that is not an object is "not empty" so that its encoder refuses it. */
export function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
