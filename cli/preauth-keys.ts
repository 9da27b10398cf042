import { MAX_KEYS } from '../src/limits.js';
import type { Key } from '../src/model/key.js';

/*
 * Pre-auth keys: the one-time trusted keys `tlock sign authkey` adds (Tailscale's "lock sign
 * tskey-auth-…" adds the same kind). Each stays trusted until removed, so they fill the key table
 * (512 at most) unless old ones are pruned.
 */

/** The meta `purpose` that marks a pre-auth key, as Tailscale writes it. */
export const PRE_AUTH_PURPOSE = 'pre-auth key';

/** From this many trusted keys on, commands warn that the table is filling. */
export const KEY_COUNT_WARNING = 400;

export const isPreAuthKey = (k: Key): boolean => k.meta?.['purpose'] === PRE_AUTH_PURPOSE;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A time as RFC 3339 in UTC, to the second (Go's time.RFC3339). */
export const rfc3339 = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * When a pre-auth key was made: tlock's `created` (RFC 3339), else Tailscale's
 * `wrapper_createtime` (Unix seconds); undefined when neither is there and readable.
 */
export function preAuthKeyCreated(k: Key): Date | undefined {
  const created = k.meta?.['created'];
  if (created !== undefined && RFC3339.test(created)) {
    const ms = Date.parse(created);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  const unix = k.meta?.['wrapper_createtime'];
  if (unix !== undefined && /^[0-9]{1,12}$/.test(unix)) return new Date(Number(unix) * 1000);
  return undefined;
}

/** The warning for a key table that is filling up, if it is. */
export function keyTableWarning(keys: readonly Key[]): string | undefined {
  if (keys.length < KEY_COUNT_WARNING) return undefined;
  const preAuth = keys.filter(isPreAuthKey).length;
  return (
    `${keys.length} of at most ${MAX_KEYS} keys are trusted (${preAuth} of them pre-auth keys); ` +
    'remove old pre-auth keys before the table is full ("tlock prune-preauth --older-than 30d")'
  );
}
