import { describe, expect, it } from 'vitest';
import { signAUM } from '../../src/authority/aum-signing.js';
import { stateOf, trusted } from '../authority/helpers.js';
import {
  A,
  B,
  GENESIS,
  after,
  expectSyncRefused,
  headAfterSync,
  nameOf,
  offering,
} from './hostile-server.js';

// Attack: removing the last key. An authority with no trusted key can never be changed again
// (and trusts no node): a server that gets a RemoveKey of the only key signed by that key could
// brick the tailnet. The AUM is refused (REJECTED_AUM) however validly signed; the twin, removing
// one key of two, is accepted.

describe('attack: removing the last key', () => {
  it('a RemoveKey of the only trusted key, signed by it, is refused; nothing local changes', async () => {
    const lone = signAUM({ messageKind: 5, prevAUMHash: null, state: stateOf([trusted(A)]) }, A);
    await expectSyncRefused(
      [lone],
      offering([after(lone, { messageKind: 2, keyID: A.publicKey }, A)]),
      'REJECTED_AUM',
    );
  });

  it('the twin: removing B while A stays is accepted', async () => {
    const removeB = after(GENESIS, { messageKind: 2, keyID: B.publicKey }, A);
    expect(await headAfterSync([GENESIS], offering([removeB]))).toBe(nameOf(removeB));
  });
});
