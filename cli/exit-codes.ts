import type { TlockError, TlockErrorCode } from '../src/errors.js';

/** What `tlock` exits with. Scripts rely on these; they are listed in `tlock --help` and the README. */
export const EXIT = {
  /** Done; for a check, the answer is yes. */
  OK: 0,
  /** The answer is no: a signature or netmap refused, a node locked out. */
  REFUSED: 1,
  /** Bad usage or input: nothing was changed. */
  USAGE: 2,
  /** Storage or network failure (a damaged store, a full disk, a lock held elsewhere). */
  IO: 3,
  /** Interrupted (Ctrl-C): nothing half-written is left behind. */
  INTERRUPTED: 130,
} as const;

export const EXIT_STATUS_HELP = [
  'Exit status:',
  '  0    ok (for a check: the answer is yes)',
  '  1    the answer is no (a signature or netmap refused, a node locked out)',
  '  2    bad usage or input; nothing was changed',
  '  3    storage or network failure (a damaged store names the file)',
  '  130  interrupted',
].join('\n');

const BY_CODE: Record<TlockErrorCode, number> = {
  DECODE: EXIT.USAGE,
  INVALID_ARGUMENT: EXIT.USAGE,
  MALFORMED_AUTHKEY: EXIT.USAGE,
  WEAK_KEY: EXIT.USAGE,
  INVALID_AUM: EXIT.USAGE,
  REJECTED_AUM: EXIT.USAGE,
  NOT_FOUND: EXIT.USAGE,
  LIMIT: EXIT.USAGE,
  BAD_SIGNATURE: EXIT.REFUSED,
  UNTRUSTED_KEY: EXIT.REFUSED,
  WRONG_NODE_KEY: EXIT.REFUSED,
  MALFORMED_SIGNATURE: EXIT.REFUSED,
  SMALL_ORDER_WRAPPING_KEY: EXIT.REFUSED,
  NO_INTERSECTION: EXIT.REFUSED,
  SERVER_REFUSED: EXIT.REFUSED,
  ROLLBACK: EXIT.REFUSED,
  PIN_MISMATCH: EXIT.REFUSED,
  NETWORK: EXIT.IO,
  CONFLICT: EXIT.IO,
  STORAGE: EXIT.IO,
  INTERNAL: EXIT.IO,
};

/**
 * The exit status for an error that ended a command: the one a `CliError` carries, else the one
 * its code means. A command that answers a question (`verify …`) decides its own status instead.
 */
export function exitCodeFor(e: TlockError): number {
  const explicit = (e as { exitCode?: unknown }).exitCode;
  if (typeof explicit === 'number') return explicit;
  return BY_CODE[e.code] ?? EXIT.IO;
}
