import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { signAUM } from '../../src/authority/aum-signing.js';
import { disablementKDF } from '../../src/crypto/kdf.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { Chain, keyOf, lower, snapshot, stateOf, trusted } from './helpers.js';
import { expectTlockError } from '../support/tlock-error.js';

const A = keyOf(1);
const B = keyOf(2);
const C = keyOf(3);

describe('Authority.create and bootstrap', () => {
  it('creates a genesis checkpoint with random state IDs, and bootstrapping it elsewhere agrees', async () => {
    const state = { ...stateOf([trusted(A, 2), trusted(B)]) };
    delete state.stateID1;
    delete state.stateID2;
    const s1 = new MemoryStore();
    const { authority, genesis } = await Authority.create(s1, state, A);
    expect(genesis.messageKind).toBe(AUMKind.Checkpoint);
    expect(genesis.prevAUMHash).toBeNull();
    expect(authority.head).toBe(hashToBase32(aumHash(genesis)));
    expect(authority.oldestAncestor).toBe(authority.head);
    expect(authority.keyTrusted(A.publicKey) && authority.keyTrusted(B.publicKey)).toBe(true);
    expect(authority.keyTrusted(C.publicKey)).toBe(false);
    expect(await s1.lastActiveAncestor()).toEqual(aumHash(genesis));

    const other = await Authority.create(new MemoryStore(), state, A);
    const ids = [authority.state.stateID1, authority.state.stateID2, other.authority.state.stateID1];
    expect(new Set(ids).size).toBe(3);

    const b = await Authority.bootstrap(new MemoryStore(), genesis);
    expect(b.head).toBe(authority.head);
    expect(b.state).toEqual(authority.state);
  });

  it('keeps state IDs the caller gives', async () => {
    const { authority } = await Authority.create(
      new MemoryStore(),
      stateOf([trusted(A)], [5n, 2n ** 64n - 1n]),
      A,
    );
    expect([authority.state.stateID1, authority.state.stateID2]).toEqual([5n, 2n ** 64n - 1n]);
  });

  it('refuses a weak key, a signer outside the state and an invalid state, storing nothing', async () => {
    const store = new MemoryStore();
    const zero = { kind: 1, votes: 1, public: new Uint8Array(32) }; // small-order point
    await expectTlockError(
      Authority.create(store, stateOf([trusted(A), zero]), A),
      'WEAK_KEY',
      /small-order/,
    );
    // One rule with addKey: a key of the wrong length is a bad argument, not a weak key.
    const short = { kind: 1, votes: 1, public: new Uint8Array(31).fill(5) };
    await expectTlockError(
      Authority.create(store, stateOf([trusted(A), short]), A),
      'INVALID_ARGUMENT',
      /32 bytes/,
    );
    await expectTlockError(Authority.create(store, stateOf([trusted(B)]), A), 'UNTRUSTED_KEY');
    await expectTlockError(
      Authority.create(store, { ...stateOf([trusted(A)]), disablementValues: null }, A),
      'INVALID_AUM',
      /^invalid state: checkpoint state: at least one disablement value/,
    );
    expect(await store.heads()).toEqual([]);
  });

  it('bootstrap refuses a non-empty store, a non-checkpoint, an unsigned or foreign-signed genesis', async () => {
    const c = new Chain();
    const g = c.add('G', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(A)]) }, [A]);
    const store = new MemoryStore();
    await Authority.bootstrap(store, g);
    const before = await snapshot(store);
    await expectTlockError(Authority.bootstrap(store, g), 'CONFLICT', /not empty/);
    expect(await snapshot(store)).toEqual(before);

    const empty = new MemoryStore();
    const noop = signAUM({ messageKind: AUMKind.NoOp, prevAUMHash: null }, A);
    await expectTlockError(
      Authority.bootstrap(empty, noop),
      'REJECTED_AUM',
      'bootstrap AUMs must be checkpoint messages, got no-op',
    );
    const unsigned = { ...g, signatures: [] };
    await expectTlockError(
      Authority.bootstrap(empty, unsigned),
      'REJECTED_AUM',
      'invalid bootstrap: unsigned AUM',
    );
    const foreign = signAUM({ ...g, signatures: [] }, B);
    await expectTlockError(
      Authority.bootstrap(empty, foreign),
      'UNTRUSTED_KEY',
      /^invalid bootstrap: bad keyID on signature 0/,
    );
    expect(await snapshot(empty)).toEqual(await snapshot(new MemoryStore()));
  });

  it('bootstraps from a later checkpoint (with a parent) and extends from it', async () => {
    const c = new Chain();
    c.add('G', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(A)]) }, [A]);
    c.add('L1', 'G', { messageKind: AUMKind.NoOp }, [A]);
    c.add('CP', 'L1', { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(A), trusted(B)]) }, [A]);
    c.add('L2', 'CP', { messageKind: AUMKind.NoOp }, [B]);
    const store = new MemoryStore();
    const a = await Authority.bootstrap(store, c.get('CP'));
    await a.inform(store, c.list('L2'));
    expect(a.head).toBe(c.b32('L2'));
    expect((await Authority.open(store)).head).toBe(c.b32('L2'));
  });
});

describe('Authority.open', () => {
  it('refuses an empty store', async () => {
    await expectTlockError(Authority.open(new MemoryStore()), 'NOT_FOUND', /no AUMs/);
  });

  // Tailscale's TestOpenAuthority: disjoint chains G1… and G2→L4, the hint I1 picks G1; I2 has a
  // lower hash than L1; L2 carries a (not even valid) signature by a 2-vote key, so beats L3.
  it('picks the chain through the hint, then resolves forks (unverified stored AUMs)', async () => {
    const key = trusted(A, 2);
    const c = new Chain();
    c.add('G1', null, { messageKind: AUMKind.AddKey, key });
    c.add('I1', 'G1', { messageKind: AUMKind.NoOp, keyID: new Uint8Array([2]) });
    c.addNoOp('I2', 'I1', []);
    c.addNoOp('L1', 'I1', [], (h) => lower(c.hash('I2'), h));
    c.addNoOp('I3', 'I2', []);
    c.addNoOp('L3', 'I3', []);
    const l2 = c.add('L2', 'I3', {
      messageKind: AUMKind.NoOp,
      keyID: new Uint8Array([7]),
      signatures: [{ keyID: A.publicKey, signature: null }],
    });
    if (lower(aumHash(l2), c.hash('L3'))) c.addNoOp('L3', 'I3', [], (h) => lower(h, c.hash('L2')));
    c.add('G2', null, { messageKind: AUMKind.NoOp, keyID: new Uint8Array([8]) });
    c.add('L4', 'G2', { messageKind: AUMKind.NoOp, keyID: new Uint8Array([9]) });
    const store = await c.store();
    await expectTlockError(Authority.open(store), 'NO_INTERSECTION', /multiple distinct chains/);
    await store.setLastActiveAncestor(c.hash('I1'));
    const a = await Authority.open(store);
    expect(a.head).toBe(c.b32('L2'));
    expect(a.keyTrusted(A.publicKey)).toBe(true);
    expect(a.oldestAncestor).toBe(c.b32('G1'));
    // The hint at the other chain's genesis picks that one.
    await store.setLastActiveAncestor(c.hash('G2'));
    expect((await Authority.open(store)).head).toBe(c.b32('L4'));
  });

  it('computes the state at any AUM, on a losing fork too (Tailscale’s computeStateAt)', async () => {
    const c = new Chain();
    const D = keyOf(4);
    c.add('G', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(A), trusted(D)]) }, [A]);
    c.add('I1', 'G', { messageKind: AUMKind.AddKey, key: trusted(B, 2) }, [A, D]); // weight 2: wins
    c.addNoOp('I2', 'I1', [A]);
    c.add('F', 'G', { messageKind: AUMKind.AddKey, key: trusted(C) }, [A]);
    const store = await c.store();
    const a = await Authority.open(store);
    expect(a.head).toBe(c.b32('I2'));
    const atG = await a.stateAt(store, c.hash('G'));
    expect(atG.keys).toHaveLength(2);
    expect(atG.lastAUMHash).toEqual(c.hash('G'));
    for (const n of ['I1', 'I2']) {
      const s = await a.stateAt(store, c.b32(n));
      expect(s.lastAUMHash).toEqual(c.hash(n));
      expect(s.keys!.map((k) => k.votes)).toEqual([1, 1, 2]);
    }
    const atF = await a.stateAt(store, c.hash('F'));
    expect(atF.keys!.map((k) => k.public)).toEqual([A.publicKey, D.publicKey, C.publicKey]);
    await expectTlockError(a.stateAt(store, new Uint8Array(32)), 'NOT_FOUND');
  });

  it('gives NoOp and AddKey geneses the empty state, and refuses other parentless kinds', async () => {
    const c = new Chain();
    c.add('G', null, { messageKind: AUMKind.NoOp });
    c.add('L', 'G', { messageKind: AUMKind.AddKey, key: trusted(A) });
    const a = await Authority.open(await c.store());
    expect(a.keys()).toHaveLength(1);
    expect(a.state.disablementValues).toBeNull();

    const bad = new Chain();
    bad.add('G', null, { messageKind: AUMKind.RemoveKey, keyID: A.publicKey });
    await expectTlockError(Authority.open(await bad.store()), 'REJECTED_AUM', /invalid genesis update/);
  });
});

describe('Authority.inform', () => {
  function chain(): Chain {
    const c = new Chain();
    c.add('G1', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(A, 2)]) }, [A]);
    return c;
  }

  it('takes a linear batch (Tailscale’s TestAuthorityInformLinear)', async () => {
    const c = chain();
    c.addNoOp('L1', 'G1', [A]);
    c.addNoOp('L2', 'L1', [A]);
    c.addNoOp('L3', 'L2', [A]);
    const store = new MemoryStore();
    const a = await Authority.bootstrap(store, c.get('G1'));
    await a.inform(store, c.list('L1', 'L2', 'L3'));
    expect(a.head).toBe(c.b32('L3'));
    for (const n of ['L1', 'L2', 'L3']) expect(await store.get(c.hash(n))).toEqual(c.get(n));
  });

  it('takes a forking batch and resolves it (TestAuthorityInformNonLinear)', async () => {
    const c = chain();
    c.addNoOp('L2', 'G1', [A]);
    c.addNoOp('L1', 'G1', [A], (h) => lower(c.hash('L2'), h));
    c.addNoOp('L4', 'L2', [A]);
    c.addNoOp('L3', 'L2', [A], (h) => lower(h, c.hash('L4')));
    c.addNoOp('L5', 'L4', [A]);
    const store = new MemoryStore();
    const a = await Authority.bootstrap(store, c.get('G1'));
    await a.inform(store, c.list('L1', 'L2', 'L3', 'L4', 'L5'));
    expect(a.head).toBe(c.b32('L3'));
    expect((await Authority.open(store)).head).toBe(c.b32('L3'));
  });

  it('skips AUMs already stored, and refuses an empty batch or a non-array', async () => {
    const c = chain();
    c.addNoOp('L1', 'G1', [A]);
    c.addNoOp('L2', 'L1', [A]);
    const store = new MemoryStore();
    const a = await Authority.bootstrap(store, c.get('G1'));
    await a.inform(store, c.list('L1'));
    await a.inform(store, c.list('G1', 'L1', 'L1', 'L2'));
    expect(a.head).toBe(c.b32('L2'));
    await expectTlockError(a.inform(store, []), 'INVALID_ARGUMENT');
    await expectTlockError(a.inform(store, 'x' as never), 'INVALID_ARGUMENT');
    await expectTlockError(a.inform(store, [null as never]), 'INVALID_ARGUMENT', /^update 0 invalid: /);
  });

  it('refuses a batch whose child comes before its parent', async () => {
    const c = chain();
    c.addNoOp('L1', 'G1', [A]);
    c.addNoOp('L2', 'L1', [A]);
    const store = new MemoryStore();
    const a = await Authority.bootstrap(store, c.get('G1'));
    await expectTlockError(
      a.inform(store, c.list('L2', 'L1')),
      'REJECTED_AUM',
      /^update 0 computing state: /,
    );
  });

  it('runs concurrent informs one after the other, ending where a re-open ends', async () => {
    const c = chain();
    c.addNoOp('X', 'G1', [A]);
    c.addNoOp('Y', 'G1', [A], (h) => lower(h, c.hash('X')));
    const store = new MemoryStore();
    const a = await Authority.bootstrap(store, c.get('G1'));
    await Promise.all([a.inform(store, c.list('X')), a.inform(store, c.list('Y'))]);
    expect(a.head).toBe(c.b32('Y'));
    expect((await Authority.open(store)).head).toBe(c.b32('Y'));
  });
});

describe('Authority accessors', () => {
  it('hands out copies of its keys and state', async () => {
    const { authority } = await Authority.create(new MemoryStore(), stateOf([trusted(A, 3, { n: 'a' })]), A);
    authority.keys()[0]!.votes = 9;
    authority.state.keys![0]!.meta!['n'] = 'z';
    authority.trustedKey(A.publicKey)!.public![0] = 0;
    expect(authority.keys()).toEqual([trusted(A, 3, { n: 'a' })]);
  });

  it('checks disablement secrets against every value', async () => {
    const secret = new Uint8Array([1, 2, 3]);
    const state = {
      ...stateOf([trusted(A)]),
      disablementValues: [new Uint8Array(32), await disablementKDF(secret)],
    };
    const { authority } = await Authority.create(new MemoryStore(), state, A);
    expect(await authority.validDisablement(secret)).toBe(true);
    expect(await authority.validDisablement(new Uint8Array([1, 2, 4]))).toBe(false);
    await expectTlockError(authority.validDisablement('x' as never), 'INVALID_ARGUMENT');
  });

  it('refuses something that is not a store', async () => {
    await expectTlockError(Authority.open({} as never), 'INVALID_ARGUMENT', /AumStore/);
  });
});
