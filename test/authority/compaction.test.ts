import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { compactStore } from '../../src/authority/compaction.js';
import { AUMKind } from '../../src/model/aum.js';
import type { State } from '../../src/model/state.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { toHex } from '../../src/wire/bytes.js';
import { Chain, expectUnchanged, keyOf, stateOf, trusted } from './helpers.js';
import { expectTlockError } from '../support/tlock-error.js';

// docs/FORMAT.md §9.3, with the worked cases of Tailscale's tailchonk_test.go and tka_test.go.

const HOUR = 3_600_000;
const NOW = 1_000 * HOUR;
const FAKE_STATE: State = {
  lastAUMHash: null,
  disablementValues: [new Uint8Array(32).fill(1)],
  keys: [{ kind: 1, votes: 1, public: null }],
};
const CP = { messageKind: AUMKind.Checkpoint, state: FAKE_STATE };

/**
 * Builds a chain from `spec`: [name, parent, isCheckpoint]. Unsigned: compaction never looks at
 * signatures. NoOps get distinct hashes from their names.
 */
function chainOf(spec: [string, string | null, boolean][]): Chain {
  const c = new Chain();
  for (const [name, parent, checkpoint] of spec) {
    c.add(
      name,
      parent,
      checkpoint ? CP : { messageKind: AUMKind.NoOp, keyID: new TextEncoder().encode(name) },
    );
  }
  return c;
}

/** A store holding the chain, every AUM committed long ago except those named young (at NOW). */
async function storeOf(c: Chain, young: string[] = []): Promise<MemoryStore> {
  let t = 0;
  const store = new MemoryStore({ clock: () => t });
  await store.commit([...c.aums.entries()].filter(([n]) => !young.includes(n)).map(([, a]) => a));
  t = NOW;
  await store.commit(young.map((n) => c.get(n)));
  return store;
}

async function live(c: Chain, store: MemoryStore): Promise<string[]> {
  return (await store.allAUMs()).map((h) => c.nameOf(hashToBase32(h))).sort();
}

const compact = (store: MemoryStore, c: Chain, head: string, minChain: number): Promise<Uint8Array> =>
  compactStore(store, c.hash(head), { minChain, minAge: HOUR, now: () => NOW });

describe('compaction', () => {
  // TestCompact: A & B go (older than the new ancestor C); OLD goes (it hangs off C2, which is
  // kept only as a path to F1, after the descendants were marked); F1 is young, F2 its child;
  // C2 joins F1 to the chain, moving the ancestor back to the checkpoint C; G2 is G's child.
  it('keeps the window, young AUMs, their descendants and the paths joining them (TestCompact)', async () => {
    const c = chainOf([
      ['A', null, true],
      ['B', 'A', true],
      ['C', 'B', true],
      ['C2', 'C', false],
      ['D', 'C2', true],
      ['E', 'D', false],
      ['F', 'E', false],
      ['G', 'F', false],
      ['H', 'G', false],
      ['F1', 'C2', false],
      ['F2', 'F1', false],
      ['OLD', 'C2', false],
      ['G2', 'G', false],
    ]);
    const store = await storeOf(c, ['F1']);
    const ancestor = await compact(store, c, 'H', 2);
    expect(toHex(ancestor)).toBe(toHex(c.hash('C')));
    expect(await live(c, store)).toEqual(['C', 'C2', 'D', 'E', 'F', 'F1', 'F2', 'G', 'G2', 'H']);
    expect(await store.lastActiveAncestor()).toEqual(c.hash('C'));
  });

  it('moves the ancestor back to a checkpoint before a young fork (fork finding earlier checkpoint)', async () => {
    const c = chainOf([
      ['A', null, true],
      ['B', 'A', true],
      ['C', 'B', false],
      ['D', 'C', false],
      ['E', 'D', true],
      ['F', 'E', false],
      ['FORK', 'C', false],
    ]);
    const store = await storeOf(c, ['FORK']);
    expect(toHex(await compact(store, c, 'F', 2))).toBe(toHex(c.hash('B')));
    expect(await live(c, store)).toEqual(['B', 'C', 'D', 'E', 'F', 'FORK']);
  });

  it('takes the oldest of several young forks (fork multi 2)', async () => {
    const c = chainOf([
      ['A', null, true],
      ['B', 'A', true],
      ['C', 'B', false],
      ['D', 'C', true],
      ['E', 'D', false],
      ['F', 'E', true],
      ['G', 'F', false],
      ['F1', 'F', false],
      ['F2', 'D', false],
      ['F3', 'B', false],
    ]);
    const store = await storeOf(c, ['F1', 'F2', 'F3']);
    expect(toHex(await compact(store, c, 'G', 2))).toBe(toHex(c.hash('B')));
    expect(await live(c, store)).toEqual(['B', 'C', 'D', 'E', 'F', 'F1', 'F2', 'F3', 'G']);
  });

  it('passes over young checkpoints when choosing the ancestor', async () => {
    const c = chainOf([
      ['G', null, true],
      ['N1', 'G', false],
      ['CPOLD', 'N1', true],
      ['N2', 'CPOLD', false],
      ['CPYOUNG', 'N2', true],
      ['N3', 'CPYOUNG', false],
      ['N4', 'N3', false],
    ]);
    const store = await storeOf(c, ['CPYOUNG', 'N3', 'N4']);
    expect(toHex(await compact(store, c, 'N4', 1))).toBe(toHex(c.hash('CPOLD')));
    expect(await live(c, store)).toEqual(['CPOLD', 'CPYOUNG', 'N2', 'N3', 'N4']);
  });

  it('keeps a long but young chain whole (TestCompactLongButYoung)', async () => {
    const spec: [string, string | null, boolean][] = [['G', null, true]];
    for (let i = 1; i <= 100; i++) spec.push([`N${i}`, i === 1 ? 'G' : `N${i - 1}`, false]);
    const c = chainOf(spec);
    const store = await storeOf(c, [...c.aums.keys()]);
    expect(toHex(await compact(store, c, 'N100', 5))).toBe(toHex(c.hash('G')));
    expect(await store.allAUMs()).toHaveLength(101);
  });

  it('leaves a chain shorter than minChain alone', async () => {
    const c = chainOf([
      ['G', null, true],
      ['N1', 'G', false],
    ]);
    const store = await storeOf(c);
    expect(toHex(await compact(store, c, 'N1', 5))).toBe(toHex(c.hash('G')));
    expect(await store.allAUMs()).toHaveLength(2);
  });

  it('refuses bad options and stores it cannot compact', async () => {
    const c = chainOf([['G', null, true]]);
    const store = await storeOf(c);
    const a = await Authority.open(store);
    await expectUnchanged(a, store, async () => {
      await expectTlockError(a.compact(store, { minChain: 0 }), 'INVALID_ARGUMENT', /minChain/);
      await expectTlockError(a.compact(store, { minAge: -1 }), 'INVALID_ARGUMENT', /minAge/);
    });
    const plain = {
      get: store.get.bind(store),
      children: store.children.bind(store),
      heads: store.heads.bind(store),
      commit: store.commit.bind(store),
      lastActiveAncestor: store.lastActiveAncestor.bind(store),
      setLastActiveAncestor: store.setLastActiveAncestor.bind(store),
    } as never;
    await expectTlockError(a.compact(plain), 'INVALID_ARGUMENT', /cannot be compacted/);
  });
});

describe('Authority.compact', () => {
  const K = keyOf(1);
  const signed = (): Chain => {
    const c = new Chain();
    c.add('G', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(K, 2)]) }, [K]);
    c.addNoOp('A', 'G', [K]);
    c.addNoOp('B', 'A', [K]);
    c.add('C', 'B', { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(K, 2)]) }, [K]);
    c.addNoOp('D', 'C', [K]);
    c.addNoOp('E', 'D', [K]);
    return c;
  };

  // TestAuthorityCompact: G → A → B → C (checkpoint) → D → E compacts down to C → D → E.
  it('compacts to C, keeps head and state, and the store re-opens to the same head', async () => {
    const c = signed();
    let t = 0;
    const store = new MemoryStore({ clock: () => t });
    const a = await Authority.bootstrap(store, c.get('G'));
    await a.inform(store, c.list('A', 'B', 'C', 'D', 'E'));
    const state = a.state;
    t = 10 * HOUR;
    expect(await a.compact(store, { minChain: 2, minAge: HOUR, now: () => t })).toBe(c.b32('C'));
    expect(a.oldestAncestor).toBe(c.b32('C'));
    expect(a.head).toBe(c.b32('E'));
    expect(a.state).toEqual(state);
    expect(await live(c, store)).toEqual(['C', 'D', 'E']);
    expect(await store.lastActiveAncestor()).toEqual(c.hash('C'));
    const reopened = await Authority.open(store);
    expect(reopened.head).toBe(a.head);
    expect(reopened.state).toEqual(state);
    expect((await a.syncOffer(store)).ancestors.at(-1)).toBe(c.b32('C'));

    // It still extends, and a peer that has D can sync from it; one left at G cannot.
    c.addNoOp('F', 'E', [K]);
    await a.inform(store, c.list('F'));
    const peerStore = await c.store('G', 'A', 'B', 'C', 'D');
    const peer = await Authority.open(peerStore);
    await peer.inform(peerStore, await a.missingAUMs(store, await peer.syncOffer(peerStore)));
    expect(peer.head).toBe(c.b32('F'));
    const behindStore = await c.store('G');
    const behind = await Authority.open(behindStore);
    await expectTlockError(a.missingAUMs(store, await behind.syncOffer(behindStore)), 'NO_INTERSECTION');
  });

  it('purges nothing the defaults (24 AUMs, 14 days) protect', async () => {
    const c = signed();
    const store = await c.store();
    const a = await Authority.open(store);
    expect(await a.compact(store)).toBe(c.b32('G'));
    expect(await store.allAUMs()).toHaveLength(6);
  });
});
