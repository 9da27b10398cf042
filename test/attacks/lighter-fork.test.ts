import { describe, expect, it } from 'vitest';
import {
  A,
  C,
  GENESIS,
  X1,
  X2,
  after,
  expectSyncRefused,
  headAfterSync,
  nameOf,
  offering,
} from './hostile-server.js';

// Attack: a lighter fork. The node verified X2 (signed by A and B: weight 2) from its server. The
// server offers a sibling of X2 signed by A alone (weight 1), validly signed by a trusted key, to
// replace X2 and what it did. Fork resolution prefers X2, so following it would drop a chain the
// node verified: refused with ROLLBACK. The twin, a heavier sibling (a recovery), is followed.

describe('attack: a lighter fork', () => {
  it('a sibling of X2 with less weight is refused with ROLLBACK; nothing local changes', async () => {
    const lighter = after(X1, { messageKind: 2, keyID: C.publicKey }, A);
    const { node } = await expectSyncRefused([GENESIS, X1, X2], offering([lighter]), 'ROLLBACK');
    expect(node.authority.head).toBe(nameOf(X2));
  });

  it('the twin: a node at X1 alone follows the server to X2', async () => {
    expect(await headAfterSync([GENESIS, X1], offering([X2]))).toBe(nameOf(X2));
  });
});
