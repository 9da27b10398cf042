import { describe, expect, it } from 'vitest';
import { expectTlockError } from '../support/tlock-error.js';
import {
  GENESIS,
  HostileServer,
  X1,
  X2,
  localState,
  nameOf,
  nodeHolding,
  offering,
  sync,
} from './hostile-server.js';

// Attack: rollback. A node verified head X2 from its server; the server now says its head is X1,
// an older point of the same chain (to bring back key sets or revoke a revocation). The node
// refuses with ROLLBACK and keeps X2; its twin, a server at X2, syncs as usual.

describe('attack: rollback to an older head', () => {
  it('a server offering X1 to a node at X2 is refused with ROLLBACK; nothing local changes', async () => {
    const node = await nodeHolding([GENESIS, X1, X2]);
    const evil = await HostileServer.start(offering([X1]));
    const before = await localState(node);
    const e = await expectTlockError(sync(node, evil.url), 'ROLLBACK');
    expect(e.message).toContain(nameOf(X2));
    expect(await localState(node)).toEqual(before);

    const honest = await HostileServer.start(offering([], nameOf(X2)));
    await sync(node, honest.url);
    expect(node.authority.head).toBe(nameOf(X2));
  });

  it('the genesis itself offered as the head is a rollback too', async () => {
    const node = await nodeHolding([GENESIS, X1]);
    const evil = await HostileServer.start(offering([], nameOf(GENESIS)));
    const before = await localState(node);
    await expectTlockError(sync(node, evil.url), 'ROLLBACK');
    expect(await localState(node)).toEqual(before);
  });
});
