import { describe, expect, it } from 'vitest';
import {
  GENESIS,
  HostileServer,
  X1,
  X2,
  expectSyncRefused,
  nameOf,
  offering,
  sync,
} from './hostile-server.js';

// Attack: rollback. A node verified head X2 from its server; the server now says its head is X1,
// an older point of the same chain (to bring back key sets or revoke a revocation). The node
// refuses with ROLLBACK and keeps X2; its twin, a server at X2, syncs as usual.

describe('attack: rollback to an older head', () => {
  it('a server offering X1 to a node at X2 is refused with ROLLBACK; nothing local changes', async () => {
    const { node, error } = await expectSyncRefused([GENESIS, X1, X2], offering([X1]), 'ROLLBACK');
    expect(error.message).toContain(nameOf(X2));

    const honest = await HostileServer.start(offering([], nameOf(X2)));
    await sync(node, honest.url);
    expect(node.authority.head).toBe(nameOf(X2));
  });

  it('the genesis itself offered as the head is a rollback too', async () => {
    await expectSyncRefused([GENESIS, X1], offering([], nameOf(GENESIS)), 'ROLLBACK');
  });
});
