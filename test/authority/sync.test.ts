import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import type { AUM } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { Chain, expectUnchanged, keyOf, lower, stateOf, trusted } from './helpers.js';
import { expectTlockError } from '../support/tlock-error.js';

// docs/FORMAT.md §9.1–9.2, ported from Tailscale's sync_test.go (adapted to the newer offer shape)
// plus the cases the newer shape and the 1000-AUM head walk add.

const A = keyOf(1);
const CP = { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(A)]) };

/** A1 → … → An of unsigned NoOps (genesis A1); names in `checkpoints` are checkpoints. */
function line(n: number, checkpoints: number[] = [], prefix = 'A'): Chain {
  const c = new Chain();
  for (let i = 1; i <= n; i++) {
    const body = checkpoints.includes(i)
      ? CP
      : { messageKind: AUMKind.NoOp, keyID: new Uint8Array([i & 255, i >> 8, prefix.charCodeAt(0)]) };
    c.add(`${prefix}${i}`, i === 1 ? null : `${prefix}${i - 1}`, body);
  }
  return c;
}

const names = (c: Chain, aums: AUM[]): string[] => aums.map((a) => c.nameOf(hashToBase32(aumHash(a))));
const range = (from: number, to: number, prefix = 'A'): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('syncOffer', () => {
  it('offers the head and the oldest ancestor for a chain without checkpoints', async () => {
    const c = line(25);
    const store = await c.store();
    const a = await Authority.open(store);
    expect(await a.syncOffer(store)).toEqual({ head: c.b32('A25'), ancestors: [c.b32('A1')] });
  });

  it('lists checkpoints newest first, the head included, the oldest once', async () => {
    const c = line(30, [1, 7, 19, 30]);
    const store = await c.store();
    const a = await Authority.open(store);
    expect((await a.syncOffer(store)).ancestors).toEqual(['A30', 'A19', 'A7', 'A1'].map((n) => c.b32(n)));
  });

  it('lists only the head when the head is the oldest ancestor', async () => {
    const c = line(1, [1]);
    const store = await c.store();
    const a = await Authority.open(store);
    expect(await a.syncOffer(store)).toEqual({ head: c.b32('A1'), ancestors: [c.b32('A1')] });
  });

  it('looks for checkpoints among the newest 1000 AUMs only', async () => {
    // Head A1005: A6 is 999 AUMs back (listed), A5 is 1000 back (not).
    const c = line(1005, [1, 5, 6]);
    const store = await c.store();
    const a = await Authority.open(store);
    expect((await a.syncOffer(store)).ancestors).toEqual([c.b32('A6'), c.b32('A1')]);
  });
});

describe('missingAUMs', () => {
  it('answers [] when up to date', async () => {
    const c = line(3);
    const store = await c.store();
    const a = await Authority.open(store);
    expect(await a.missingAUMs(store, await a.syncOffer(store))).toEqual([]);
  });

  it('fast-forward: head intersection one way, tail the other (TestMissingAUMs_FastForward)', async () => {
    const c = line(4);
    const s1 = await c.store('A1', 'A2');
    const s2 = await c.store();
    const n1 = await Authority.open(s1);
    const n2 = await Authority.open(s2);
    expect(names(c, await n1.missingAUMs(s1, await n2.syncOffer(s2)))).toEqual(['A2']);
    expect(names(c, await n2.missingAUMs(s2, await n1.syncOffer(s1)))).toEqual(['A3', 'A4']);
  });

  it('fork: each side sends its whole chain after the shared ancestor (TestMissingAUMs_Fork)', async () => {
    const c = line(4);
    c.add('F1', 'A3', { messageKind: AUMKind.NoOp, keyID: new Uint8Array([99]) });
    const s1 = await c.store('A1', 'A2', 'A3', 'F1');
    const s2 = await c.store('A1', 'A2', 'A3', 'A4');
    const n1 = await Authority.open(s1);
    const n2 = await Authority.open(s2);
    expect(names(c, await n1.missingAUMs(s1, await n2.syncOffer(s2)))).toEqual(['A2', 'A3', 'F1']);
    expect(names(c, await n2.missingAUMs(s2, await n1.syncOffer(s1)))).toEqual(['A2', 'A3', 'A4']);
  });

  it('a checkpoint in the offer shortens the answer after a small fork', async () => {
    const c = line(10, [1, 5]);
    c.add('F1', 'A8', { messageKind: AUMKind.NoOp, keyID: new Uint8Array([99]) });
    const s1 = await c.store(...range(1, 8), 'F1');
    const s2 = await c.store(...range(1, 10));
    const n1 = await Authority.open(s1);
    const n2 = await Authority.open(s2);
    expect((await n1.syncOffer(s1)).ancestors).toEqual([c.b32('A5'), c.b32('A1')]);
    expect(names(c, await n2.missingAUMs(s2, await n1.syncOffer(s1)))).toEqual(range(6, 10));
    expect(names(c, await n1.missingAUMs(s1, await n2.syncOffer(s2)))).toEqual([...range(6, 8), 'F1']);
  });

  it('answers an offer of the older shape (AUMs 4, 16, … back, then the oldest)', async () => {
    const c = line(30);
    c.add('F1', 'A25', { messageKind: AUMKind.NoOp, keyID: new Uint8Array([99]) });
    const store = await c.store(...range(1, 25), 'F1');
    const a = await Authority.open(store);
    const old = { head: c.b32('A30'), ancestors: ['A26', 'A14', 'A1'].map((n) => c.b32(n)) };
    // A26 is not ours; A14 is the first ancestor on our chain.
    expect(names(c, await a.missingAUMs(store, old))).toEqual([...range(15, 25), 'F1']);
  });

  it('passes over a remote ancestor stored off our chain (Tailscale aborts when it cannot compute its state)', async () => {
    const c = line(6);
    c.addNoOp('F1', 'A3', [], (h) => !lower(h, c.hash('A4'))); // loses the fork to A4
    const store = await c.store();
    const a = await Authority.open(store);
    expect(a.head).toBe(c.b32('A6'));
    const offer = { head: c.b32('F1'), ancestors: [c.b32('F1'), c.b32('A2')] };
    expect(names(c, await a.missingAUMs(store, offer))).toEqual(range(3, 6));
  });

  it('uses a head intersection only within the newest 1000 AUMs, as Tailscale does', async () => {
    const c = line(1100);
    const store = await c.store();
    const a = await Authority.open(store);
    const near = await a.missingAUMs(store, { head: c.b32('A1000'), ancestors: [c.b32('A1')] });
    expect(near).toHaveLength(100);
    // A50 is 1050 back: no head intersection, so everything after the tail intersection A1.
    const far = await a.missingAUMs(store, { head: c.b32('A50'), ancestors: [c.b32('A1')] });
    expect(far).toHaveLength(1099);
  });

  it('refuses when there is no intersection, and refuses malformed offers', async () => {
    const c = line(3);
    const other = line(3, [], 'B');
    const store = await c.store();
    const a = await Authority.open(store);
    await expectUnchanged(a, store, () =>
      expectTlockError(
        a.missingAUMs(store, { head: other.b32('B3'), ancestors: [other.b32('B1')] }),
        'NO_INTERSECTION',
        /no intersection/,
      ),
    );
    await expectTlockError(a.missingAUMs(store, { head: 'nope', ancestors: [] }), 'DECODE');
    await expectTlockError(a.missingAUMs(store, { head: c.b32('A1') } as never), 'INVALID_ARGUMENT');
  });

  it('syncs a node that has only the genesis (TestSyncSimpleE2E)', async () => {
    const c = new Chain();
    c.add('G1', null, CP, [A]);
    c.add('L1', 'G1', { messageKind: AUMKind.NoOp }, [A]);
    c.addNoOp('L2', 'L1', [A]);
    c.addNoOp('L3', 'L2', [A]);
    const nodeStore = new MemoryStore();
    const node = await Authority.bootstrap(nodeStore, c.get('G1'));
    const controlStore = await c.store();
    const control = await Authority.open(controlStore);
    await node.inform(nodeStore, await control.missingAUMs(controlStore, await node.syncOffer(nodeStore)));
    expect(node.head).toBe(control.head);
  });
});
