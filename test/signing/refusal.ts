import { expect } from 'vitest';
import { TlockError, type TlockErrorCode } from '../../src/errors.js';
import { type State, cloneState } from '../../src/model/state.js';

/** Asserts `fn` throws a TlockError with `code`, and that `state` (if given) is unchanged by it. */
export function expectRefused(fn: () => unknown, code: TlockErrorCode, state?: State): TlockError {
  const before = state === undefined ? undefined : cloneState(state);
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected TlockError ${code}`).toBeInstanceOf(TlockError);
  expect((caught as TlockError).code, (caught as TlockError).message).toBe(code);
  if (state !== undefined) expect(state).toEqual(before);
  return caught as TlockError;
}
