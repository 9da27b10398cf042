import { describe, expect, it } from 'vitest';
import { signAUM } from '../../src/authority/aum-signing.js';
import { stateOf, trusted } from '../authority/helpers.js';
import { expectTlockError } from '../support/tlock-error.js';
import {
  A,
  B,
  GENESIS,
  HostileServer,
  after,
  localState,
  nameOf,
  nodeHolding,
  offering,
  sync,
} from './hostile-server.js';

// Attack: removing the last key. An authority with no trusted key can never be changed again
// (and trusts no node): a server that gets a RemoveKey of the only key signed by that key could
// brick the tailnet. The AUM is refused (REJECTED_AUM) however validly signed; the twin, removing
// one key of two, is accepted.

describe('attack: removing the last key', () => {
  it('a RemoveKey of the only trusted key, signed by it, is refused; nothing local changes', async () => {
    const lone = signAUM({ messageKind: 5, prevAUMHash: null, state: stateOf([trusted(A)]) }, A);
    const node = await nodeHolding([lone]);
    const evil = await HostileServer.start(
      offering([after(lone, { messageKind: 2, keyID: A.publicKey }, A)]),
    );
    const before = await localState(node);
    await expectTlockError(sync(node, evil.url), 'REJECTED_AUM');
    expect(await localState(node)).toEqual(before);
  });

  it('the twin: removing B while A stays is accepted', async () => {
    const node = await nodeHolding([GENESIS]);
    const removeB = after(GENESIS, { messageKind: 2, keyID: B.publicKey }, A);
    const honest = await HostileServer.start(offering([removeB]));
    await sync(node, honest.url);
    expect(node.authority.head).toBe(nameOf(removeB));
  });
});
