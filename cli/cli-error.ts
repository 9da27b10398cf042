import { TlockError, type TlockErrorCode } from '../src/errors.js';
import { EXIT } from './exit-codes.js';

/** A TlockError raised by the command line itself, with the exit status it means. */
export class CliError extends TlockError {
  readonly exitCode: number;

  constructor(exitCode: number, code: TlockErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.exitCode = exitCode;
  }
}

/** Bad usage or input (exit 2): the message says what was wrong and what to do. */
export function usageError(message: string, options?: { cause?: unknown }): CliError {
  return new CliError(EXIT.USAGE, 'INVALID_ARGUMENT', message, options);
}
