import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { signAUM } from '../../src/authority/aum-signing.js';
import { randomBytes } from '../../src/crypto/random.js';
import { verifyAUM } from '../../src/authority/state-machine.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import type { Key } from '../../src/model/key.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { expectUnchanged, keyOf, stateOf, trusted } from './helpers.js';
import { expectTlockError } from '../support/tlock-error.js';

// docs/FORMAT.md §5.7 and Tailscale's builder_test.go, plus docs/FORMAT.md §11 (no weak keys from our hands).

const A = keyOf(1);
const B = keyOf(2);
const C = keyOf(3);

async function setup(
  keys: Key[] = [trusted(A), trusted(B, 2)],
): Promise<{ a: Authority; store: MemoryStore }> {
  const store = new MemoryStore();
  const { authority } = await Authority.create(store, stateOf(keys), A);
  return { a: authority, store };
}

describe('UpdateBuilder', () => {
  it('adds a key: one AddKey on the head, signed by the signer, that the authority accepts', async () => {
    const { a, store } = await setup();
    const head = a.headHash;
    const aums = await a.newUpdater(A).addKey(trusted(C, 3)).finalize(store);
    expect(aums).toHaveLength(1);
    expect(aums[0]!.messageKind).toBe(AUMKind.AddKey);
    expect(aums[0]!.prevAUMHash).toEqual(head);
    expect(() => verifyAUM(aums[0]!, a.state)).not.toThrow();
    await a.inform(store, aums);
    expect(a.trustedKey(C.publicKey)?.votes).toBe(3);
  });

  it('refuses a key already trusted, and the 513th key', async () => {
    const { a } = await setup();
    expectTlockError(() => a.newUpdater(A).addKey(trusted(B)), 'REJECTED_AUM', /already trusted/);

    // 512 keys: A plus random ones (bootstrap accepts keys that are not valid points).
    const keys = [
      trusted(A),
      ...Array.from({ length: 511 }, () => ({ kind: 1, votes: 1, public: randomBytes(32) })),
    ];
    const store = new MemoryStore();
    const full = await Authority.bootstrap(
      store,
      signAUM({ messageKind: AUMKind.Checkpoint, prevAUMHash: null, state: stateOf(keys) }, A),
    );
    expectTlockError(() => full.newUpdater(A).addKey(trusted(C)), 'LIMIT', /512 keys/);
  });

  it('refuses weak keys (docs/FORMAT.md §11): small-order points, non-points, wrong lengths', async () => {
    const { a } = await setup();
    const b = a.newUpdater(A);
    expectTlockError(
      () => b.addKey({ kind: 1, votes: 1, public: new Uint8Array(32) }),
      'WEAK_KEY',
      /small-order/,
    );
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2; // y = 2: (y² − 1)/(d·y² + 1) has no square root
    expectTlockError(
      () => b.addKey({ kind: 1, votes: 1, public: notAPoint }),
      'WEAK_KEY',
      /not a point on the curve/,
    );
    expectTlockError(
      () => b.addKey({ kind: 1, votes: 1, public: new Uint8Array(31) }),
      'INVALID_ARGUMENT',
      /32 bytes/,
    );
    expectTlockError(() => b.addKey({ kind: 2, votes: 1, public: C.publicKey }), 'INVALID_ARGUMENT', /kind/);
  });

  it('removes a key, refusing an untrusted one and the last one', async () => {
    const { a, store } = await setup();
    const aums = await a.newUpdater(A).removeKey(B.publicKey).finalize(store);
    expect(aums.map((x) => x.messageKind)).toEqual([AUMKind.RemoveKey]);
    await a.inform(store, aums);
    expect(a.keyTrusted(B.publicKey)).toBe(false);
    expectTlockError(() => a.newUpdater(A).removeKey(C.publicKey), 'NOT_FOUND', /not a trusted key/);
    expectTlockError(() => a.newUpdater(A).removeKey(A.publicKey), 'REJECTED_AUM', /last trusted key/);
  });

  it('sets votes (1..4096) and metadata', async () => {
    const { a, store } = await setup();
    const aums = await a
      .newUpdater(A)
      .setKeyVotes(B.publicKey, 5)
      .setKeyMeta(B.publicKey, { name: 'bob' })
      .finalize(store);
    expect(aums.map((x) => x.messageKind)).toEqual([AUMKind.UpdateKey, AUMKind.UpdateKey]);
    await a.inform(store, aums);
    expect(a.trustedKey(B.publicKey)).toEqual(trusted(B, 5, { name: 'bob' }));
    expectTlockError(() => a.newUpdater(A).setKeyVotes(B.publicKey, 0), 'INVALID_AUM', /non-zero/);
    expectTlockError(
      () => a.newUpdater(A).setKeyVotes(B.publicKey, 4097),
      'INVALID_AUM',
      /4097 votes > 4096/,
    );
    expectTlockError(() => a.newUpdater(A).setKeyVotes(B.publicKey, -1), 'INVALID_ARGUMENT');
    expectTlockError(() => a.newUpdater(A).setKeyMeta(C.publicKey, {}), 'NOT_FOUND');
  });

  it('chains several updates, each checked against the state the earlier ones make', async () => {
    const { a, store } = await setup();
    const b = a.newUpdater(B).addKey(trusted(C)).setKeyVotes(C.publicKey, 9).removeKey(A.publicKey);
    expectTlockError(() => b.setKeyVotes(A.publicKey, 2), 'NOT_FOUND');
    const aums = await b.finalize(store);
    for (let i = 1; i < aums.length; i++) expect(aums[i]!.prevAUMHash).toEqual(aumHash(aums[i - 1]!));
    await a.inform(store, aums);
    expect(a.keys().map((k) => k.votes)).toEqual([2, 9]);
    expect(a.head).toBe((await Authority.open(store)).head);
  });

  it('ends a batch with a checkpoint once 50 AUMs have passed since the last one', async () => {
    const { a, store } = await setup([trusted(A)]);
    for (let i = 0; i < 48; i++)
      await a.inform(
        store,
        await a
          .newUpdater(A)
          .addKey(trusted(keyOf(10 + i)))
          .finalize(store),
      );
    // Genesis + 48: the walk back reaches the genesis checkpoint, so none is due.
    let aums = await a
      .newUpdater(A)
      .addKey(trusted(keyOf(60)))
      .finalize(store);
    expect(aums.map((x) => x.messageKind)).toEqual([AUMKind.AddKey]);
    await a.inform(store, aums);
    // Genesis + 49 AddKeys, then a 50th: [AddKey, Checkpoint] (Tailscale's TestCheckpointing).
    aums = await a
      .newUpdater(A)
      .addKey(trusted(keyOf(61)))
      .finalize(store);
    expect(aums.map((x) => x.messageKind)).toEqual([AUMKind.AddKey, AUMKind.Checkpoint]);
    const cp = aums[1]!;
    expect(cp.state!.lastAUMHash).toBeNull();
    expect(cp.state!.keys).toHaveLength(51);
    await a.inform(store, aums);
    expect(a.head).toBe(hashToBase32(aumHash(cp)));
    expect(a.keys()).toHaveLength(51);
    aums = await a
      .newUpdater(A)
      .addKey(trusted(keyOf(62)))
      .finalize(store);
    expect(aums).toHaveLength(1);
  });

  it('ends a batch of 50 updates with a checkpoint, whatever came before', async () => {
    const { a, store } = await setup([trusted(A)]);
    const b = a.newUpdater(A);
    for (let i = 0; i < 50; i++) b.addKey(trusted(keyOf(100 + i)));
    const aums = await b.finalize(store);
    expect(aums).toHaveLength(51);
    expect(aums[50]!.messageKind).toBe(AUMKind.Checkpoint);
    await a.inform(store, aums);
    expect(a.keys()).toHaveLength(51);
  });

  it('refuses to finalize when the head moved meanwhile, changing nothing', async () => {
    const { a, store } = await setup();
    const stale = a.newUpdater(A).addKey(trusted(C));
    await a.inform(store, await a.newUpdater(B).setKeyVotes(A.publicKey, 3).finalize(store));
    await expectUnchanged(a, store, () => expectTlockError(stale.finalize(store), 'CONFLICT', /head moved/));
  });

  it('is used once, and gives [] when nothing was built and no checkpoint is due', async () => {
    const { a, store } = await setup();
    const b = a.newUpdater(A);
    expect(await b.finalize(store)).toEqual([]);
    expectTlockError(() => b.addKey(trusted(C)), 'INVALID_ARGUMENT', /finalized/);
    expectTlockError(() => a.newUpdater(null as never), 'INVALID_ARGUMENT', /SigningKey/);
  });
});

describe('setKeyMeta with an empty map', () => {
  it('is refused: it would encode as an UpdateKey with nothing to update, which receivers refuse', async () => {
    const { a } = await setup();
    expectTlockError(() => a.newUpdater(A).setKeyMeta(A.publicKey, {}), 'INVALID_ARGUMENT', /meta is empty/);
  });
});

describe('Authority.create and state IDs', () => {
  it('draws random IDs when none are given, and signs the state exactly as given with explicit 0n (tka.Create)', async () => {
    const given = { ...stateOf([trusted(A)]), stateID1: 0n, stateID2: 0n };
    const { genesis } = await Authority.create(new MemoryStore(), given, A);
    const plain = stateOf([trusted(A)]);
    delete plain.stateID1;
    delete plain.stateID2;
    const go = signAUM({ messageKind: AUMKind.Checkpoint, prevAUMHash: null, state: plain }, A);
    expect(aumHash(genesis)).toEqual(aumHash(go));
    const { genesis: random } = await Authority.create(new MemoryStore(), plain, A);
    expect(random.state!.stateID1).toBeTypeOf('bigint');
    expect(aumHash(random)).not.toEqual(aumHash(go));
  });
});
