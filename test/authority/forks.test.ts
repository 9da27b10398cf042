import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { aumWeight, pickNext } from '../../src/authority/forks.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { Chain, keyOf, lower, stateOf, trusted } from './helpers.js';

// docs/FORMAT.md §5.5, fork resolution: weight, then RemoveKey, then the lowest hash. Each case is built so
// that the lower-priority rules alone would choose the other branch, and is checked three ways:
// opening a store holding both branches, and informing the branches in either order.

const A = keyOf(1); // 1 vote
const B = keyOf(2); // 2 votes
const D = keyOf(4); // 1 vote
const V = keyOf(5); // 1 vote: removed by RemoveKey branches
const Z = keyOf(9); // never trusted

function base(): Chain {
  const c = new Chain();
  c.add(
    'G',
    null,
    {
      messageKind: AUMKind.Checkpoint,
      state: stateOf([trusted(A, 1), trusted(B, 2), trusted(D, 1), trusted(V, 1)]),
    },
    [A],
  );
  return c;
}

interface ForkCase {
  name: string;
  /** Adds branches X (the expected winner) and Y to a chain whose genesis is G. */
  build: (c: Chain) => void;
}

const cases: ForkCase[] = [
  {
    name: 'rule 1: the heavier branch wins over a RemoveKey with a lower hash',
    build: (c) => {
      const y = c.add('Y', 'G', { messageKind: AUMKind.RemoveKey, keyID: V.publicKey }, [A]); // weight 1
      c.addNoOp('X', 'G', [B], (h) => lower(aumHash(y), h)); // weight 2, higher hash
    },
  },
  {
    name: 'rule 1: weight counts each key once (two signatures by one key weigh its votes)',
    build: (c) => {
      // Y: a RemoveKey signed twice by A weighs 1; X, signed by A and D, weighs 2.
      const y = c.add('Y', 'G', { messageKind: AUMKind.RemoveKey, keyID: V.publicKey }, [A, A]);
      c.addNoOp('X', 'G', [A, D], (h) => lower(aumHash(y), h));
    },
  },
  {
    name: 'rule 1: weight is counted in the parent’s state, not the branch’s own',
    build: (c) => {
      // Y raises A to 10 votes; its weight is still A's 1 vote at the parent.
      const y = c.add('Y', 'G', { messageKind: AUMKind.UpdateKey, keyID: A.publicKey, votes: 10 }, [A]);
      c.addNoOp('X', 'G', [B], (h) => lower(aumHash(y), h));
    },
  },
  {
    name: 'rule 2: at equal weight a RemoveKey wins over a lower hash',
    build: (c) => {
      const x = c.add('X', 'G', { messageKind: AUMKind.RemoveKey, keyID: V.publicKey }, [A]);
      c.addNoOp('Y', 'G', [D], (h) => lower(h, aumHash(x)));
    },
  },
  {
    name: 'rule 3: at equal weight and kind the lowest hash wins',
    build: (c) => {
      const y = c.addNoOp('Y', 'G', [A]);
      c.addNoOp('X', 'G', [D], (h) => lower(h, aumHash(y)));
    },
  },
  {
    name: 'rule 3: two RemoveKeys of equal weight: the lowest hash wins',
    build: (c) => {
      const p = c.add('X', 'G', { messageKind: AUMKind.RemoveKey, keyID: V.publicKey }, [A]);
      const q = c.add('Y', 'G', { messageKind: AUMKind.RemoveKey, keyID: D.publicKey }, [A]);
      if (lower(aumHash(q), aumHash(p))) {
        c.aums.set('X', q);
        c.aums.set('Y', p);
      }
    },
  },
];

describe('fork resolution', () => {
  it.each(cases)('$name', async ({ build }) => {
    const c = base();
    build(c);
    // Followers of each branch, so the choice decides the head.
    c.addNoOp('X2', 'X', [A]);
    c.addNoOp('Y2', 'Y', [A]);
    const want = c.b32('X2');

    expect((await Authority.open(await c.store())).head).toBe(want);
    for (const order of [
      ['X', 'X2', 'Y', 'Y2'],
      ['Y', 'Y2', 'X', 'X2'],
    ]) {
      const store = new MemoryStore();
      const a = await Authority.bootstrap(store, c.get('G'));
      await a.inform(store, c.list(order[0]!, order[1]!));
      await a.inform(store, c.list(order[2]!, order[3]!));
      expect(a.head, `delivered ${order.join(',')}`).toBe(want);
    }
  });

  it('a signature by a key the parent state does not trust adds no weight (stored, unverified AUMs)', async () => {
    const c = base();
    const x = c.addNoOp('X', 'G', [A]);
    c.addNoOp('Y', 'G', [Z, Z], (h) => lower(h, aumHash(x)));
    const store = await c.store();
    expect((await Authority.open(store)).head).toBe(c.b32('X'));
    const state = stateOf([trusted(A)]);
    expect(aumWeight(c.get('Y'), state)).toBe(0n);
    expect(aumWeight(c.get('X'), state)).toBe(1n);
  });

  it('does not depend on the order of the candidates', () => {
    const c = base();
    c.addNoOp('P', 'G', [A]);
    c.addNoOp('Q', 'G', [D], (h) => lower(h, c.hash('P')));
    c.add('R', 'G', { messageKind: AUMKind.RemoveKey, keyID: V.publicKey }, [A]);
    c.add('S', 'G', { messageKind: AUMKind.NoOp, keyID: new Uint8Array([200]) }, [B]);
    const state = stateOf([trusted(A, 1), trusted(B, 2), trusted(D, 1), trusted(V, 1)]);
    const all = c.list('P', 'Q', 'R', 'S').map((aum) => ({ aum, hash: aumHash(aum) }));
    const picks = new Set(
      [all, [...all].reverse(), [all[2]!, all[0]!, all[3]!, all[1]!]].map((l) => pickNext(state, l).aum),
    );
    expect([...picks]).toEqual([c.get('S')]);
  });
});
