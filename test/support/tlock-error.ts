import { expect } from 'vitest';
import { TlockError, type TlockErrorCode } from '../../src/errors.js';

/**
 * Expects a TlockError with `code` (and, if given, a message equal to a string or matching a
 * RegExp): from `run()`, or from the promise `run` (then it returns a promise). Returns the error
 * for further checks. The one way tests check a refusal: every refusal has a stable code.
 */
export function expectTlockError(
  run: Promise<unknown>,
  code: TlockErrorCode,
  message?: string | RegExp,
): Promise<TlockError>;
export function expectTlockError(
  run: () => unknown,
  code: TlockErrorCode,
  message?: string | RegExp,
): TlockError;
export function expectTlockError(
  run: Promise<unknown> | (() => unknown),
  code: TlockErrorCode,
  message?: string | RegExp,
): TlockError | Promise<TlockError> {
  if (typeof run !== 'function') {
    return run.then(
      () => check(undefined, code, message),
      (e: unknown) => check(e, code, message),
    );
  }
  let result: unknown;
  try {
    result = run();
  } catch (e) {
    return check(e, code, message);
  }
  if (result instanceof Promise) {
    throw new Error('expectTlockError: the function returned a promise; pass the promise itself');
  }
  return check(undefined, code, message);
}

function check(error: unknown, code: TlockErrorCode, message: string | RegExp | undefined): TlockError {
  const got = error === undefined ? 'no error' : error instanceof Error ? error.message : typeof error;
  expect(error, `expected a TlockError ${code}, got ${got}`).toBeInstanceOf(TlockError);
  const te = error as TlockError;
  expect(te.code, te.message).toBe(code);
  if (typeof message === 'string') expect(te.message).toBe(message);
  else if (message !== undefined) expect(te.message).toMatch(message);
  return te;
}
