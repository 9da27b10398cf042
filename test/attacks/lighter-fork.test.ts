import { describe, expect, it } from 'vitest';
import { expectTlockError } from '../support/tlock-error.js';
import {
  A,
  C,
  GENESIS,
  HostileServer,
  X1,
  X2,
  after,
  localState,
  nameOf,
  nodeHolding,
  offering,
  sync,
} from './hostile-server.js';

// Attack: a lighter fork. The node verified X2 (signed by A and B: weight 2) from its server. The
// server offers a sibling of X2 signed by A alone (weight 1), validly signed by a trusted key, to
// replace X2 and what it did. Fork resolution prefers X2, so following it would drop a chain the
// node verified: refused with ROLLBACK. The twin, a heavier sibling (a recovery), is followed.

describe('attack: a lighter fork', () => {
  it('a sibling of X2 with less weight is refused with ROLLBACK; nothing local changes', async () => {
    const node = await nodeHolding([GENESIS, X1, X2]);
    const lighter = after(X1, { messageKind: 2, keyID: C.publicKey }, A);
    const evil = await HostileServer.start(offering([lighter]));
    const before = await localState(node);
    await expectTlockError(sync(node, evil.url), 'ROLLBACK');
    expect(await localState(node)).toEqual(before);
    expect(node.authority.head).toBe(nameOf(X2));
  });

  it('the twin: a node at X1 alone follows the server to X2', async () => {
    const node = await nodeHolding([GENESIS, X1]);
    const honest = await HostileServer.start(offering([X2]));
    await sync(node, honest.url);
    expect(node.authority.head).toBe(nameOf(X2));
  });
});
