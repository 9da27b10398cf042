import { TlockError } from '../errors.js';

/** The errno code of a Node fs error (`ENOENT`, `EEXIST`, …), if it has one. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A STORAGE error for a failed file operation, naming the path and the system's reason. */
export function ioError(action: string, path: string, cause: unknown): TlockError {
  if (cause instanceof TlockError) return cause;
  const reason = errnoCode(cause) ?? (cause instanceof Error ? cause.message : String(cause));
  return new TlockError(
    'STORAGE',
    `cannot ${action} ${path}: ${reason}; check that the path exists, is writable and the disk is not full`,
    { cause },
  );
}
