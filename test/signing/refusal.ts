import { expect } from 'vitest';
import type { TlockError, TlockErrorCode } from '../../src/errors.js';
import { type State, cloneState } from '../../src/model/state.js';
import { expectTlockError } from '../support/tlock-error.js';

/** `expectTlockError(fn, code)`, and `state` (if given) unchanged by the refusal. */
export function expectRefused(fn: () => unknown, code: TlockErrorCode, state?: State): TlockError {
  const before = state === undefined ? undefined : cloneState(state);
  const error = expectTlockError(fn, code);
  if (state !== undefined) expect(state).toEqual(before);
  return error;
}
