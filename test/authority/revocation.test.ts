import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { findParentForRewrite } from '../../src/authority/revocation.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { hashFromBase32, hashToBase32 } from '../../src/wire/base32.js';
import { toHex } from '../../src/wire/bytes.js';
import { Chain, expectUnchanged, keyOf, stateOf, trusted } from './helpers.js';
import { expectTlockError } from '../support/tlock-error.js';

// docs/FORMAT.md §5.8: retroactive revocation, ported from Tailscale's tka_test.go, then end to end.

const K1 = keyOf(1);
const K2 = keyOf(2);
const K3 = keyOf(3);

const posOf = (a: Authority) => ({
  head: a.headHash,
  oldest: hashFromBase32(a.oldestAncestor),
  state: a.state,
});

describe('findParentForRewrite (TestFindParentForRewrite)', () => {
  it('forks from the newest AUM that trusts none of the keys but trusts ours', async () => {
    const c = new Chain();
    c.add('A', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(K1)]) });
    c.add('B', 'A', { messageKind: AUMKind.AddKey, key: trusted(K2) });
    c.add('C', 'B', { messageKind: AUMKind.AddKey, key: trusted(K3) });
    c.add('D', 'C', { messageKind: AUMKind.RemoveKey, keyID: K2.publicKey });
    c.addNoOp('E', 'D', []);
    const store = await c.store();
    const a = await Authority.open(store);
    const find = async (keys: Uint8Array[]): Promise<string> =>
      c.nameOf(hashToBase32(await findParentForRewrite(store, posOf(a), keys, K1.publicKey)));
    expect(await find([K1.publicKey])).toBe('A'); // trusted since the genesis: the oldest ancestor
    expect(await find([K3.publicKey])).toBe('B'); // trusted from C on
    expect(await find([K2.publicKey])).toBe('E'); // added then removed: the head will do
    expect(await find([K2.publicKey, K3.publicKey])).toBe('A'); // never both untrusted after A
  });
});

describe('makeRetroactiveRevocation (TestMakeRetroactiveRevocation)', () => {
  async function setup(): Promise<{ c: Chain; store: MemoryStore; a: Authority }> {
    const c = new Chain();
    c.add('A', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(K1)]) });
    c.addNoOp('B', 'A', []);
    c.add('C', 'B', { messageKind: AUMKind.AddKey, key: trusted(K2) });
    c.add('D', 'C', { messageKind: AUMKind.AddKey, key: trusted(K3) });
    const store = await c.store();
    return { c, store, a: await Authority.open(store) };
  }

  it('forks before the key was added, keeping the current state minus the key', async () => {
    const { c, store, a } = await setup();
    const aum = await a.makeRetroactiveRevocation(store, [K2.publicKey], K1.publicKey);
    expect(aum.messageKind).toBe(AUMKind.Checkpoint);
    expect(aum.prevAUMHash).toEqual(c.hash('B'));
    expect(aum.signatures).toBeUndefined();
    const ids = aum.state!.keys!.map((k) => toHex(k.public!));
    expect(ids).toEqual([toHex(K1.publicKey), toHex(K3.publicKey)]);
    expect(aum.state!.lastAUMHash).toBeNull();
    expect([aum.state!.stateID1, aum.state!.stateID2]).toEqual([a.state.stateID1, a.state.stateID2]);
  });

  it('refuses to revoke every key, or keys not trusted', async () => {
    const { store, a } = await setup();
    await expectTlockError(
      a.makeRetroactiveRevocation(store, [K1.publicKey, K2.publicKey, K3.publicKey], K1.publicKey),
      'INVALID_ARGUMENT',
      /^cannot revoke all trusted keys/,
    );
    await expectTlockError(
      a.makeRetroactiveRevocation(store, [keyOf(9).publicKey], K1.publicKey),
      'INVALID_ARGUMENT',
      /^no provided key is currently trusted/,
    );
  });

  it('takes a fork point as bytes, base32 or hex; all zeros means choose', async () => {
    const { c, store, a } = await setup();
    for (const from of [c.hash('C'), c.b32('C'), toHex(c.hash('C'))]) {
      const aum = await a.makeRetroactiveRevocation(store, [K3.publicKey], K1.publicKey, from);
      expect(aum.prevAUMHash).toEqual(c.hash('C'));
    }
    const auto = await a.makeRetroactiveRevocation(store, [K2.publicKey], K1.publicKey, 'A'.repeat(52));
    expect(auto.prevAUMHash).toEqual(c.hash('B'));
  });

  it('refuses a fork point where our key is not trusted, or that is not stored (stricter than Tailscale)', async () => {
    const { c, store, a } = await setup();
    await expectTlockError(
      a.makeRetroactiveRevocation(store, [K2.publicKey], K3.publicKey, c.hash('B')),
      'UNTRUSTED_KEY',
      /was not trusted at the fork point/,
    );
    await expectTlockError(
      a.makeRetroactiveRevocation(store, [K2.publicKey], K1.publicKey, new Uint8Array(32).fill(3)),
      'NOT_FOUND',
    );
  });
});

describe('recovering from a compromised key, end to end', () => {
  const ADMIN1 = keyOf(11); // 1 vote
  const ADMIN2 = keyOf(12); // 2 votes
  const X = keyOf(13); // compromised, 2 votes
  const EVIL = keyOf(14);

  async function compromised(): Promise<{ c: Chain; store: MemoryStore; a: Authority }> {
    const c = new Chain();
    c.add(
      'G',
      null,
      {
        messageKind: AUMKind.Checkpoint,
        state: stateOf([trusted(ADMIN1), trusted(ADMIN2, 2), trusted(X, 2)]),
      },
      [ADMIN1],
    );
    c.add('M1', 'G', { messageKind: AUMKind.AddKey, key: trusted(EVIL, 3) }, [X]);
    const store = new MemoryStore();
    const a = await Authority.bootstrap(store, c.get('G'));
    await a.inform(store, c.list('M1'));
    return { c, store, a };
  }

  it('wins the fork with enough votes, on every node, and loses without', async () => {
    const { c, store, a } = await compromised();
    const unsigned = await a.makeRetroactiveRevocation(
      store,
      [X.publicKey, EVIL.publicKey],
      ADMIN1.publicKey,
    );
    expect(unsigned.prevAUMHash).toEqual(c.hash('G'));

    // ADMIN1 alone (1 vote) does not outweigh M1 (X's 2 votes).
    const weak = await a.cosignRevocation(store, unsigned, ADMIN1);
    await a.inform(store, [weak]);
    expect(a.head).toBe(c.b32('M1'));

    // With ADMIN2 (3 votes in all) it wins, and every node that hears of it agrees.
    const strong = await a.cosignRevocation(store, weak, ADMIN2);
    await a.inform(store, [strong]);
    expect(a.head).toBe(hashToBase32(aumHash(strong)));
    expect(a.keyTrusted(X.publicKey) || a.keyTrusted(EVIL.publicKey)).toBe(false);
    const peerStore = new MemoryStore();
    const peer = await Authority.bootstrap(peerStore, c.get('G'));
    await peer.inform(peerStore, c.list('M1'));
    await peer.inform(peerStore, await a.missingAUMs(store, await peer.syncOffer(peerStore)));
    expect(peer.head).toBe(a.head);
    expect((await Authority.open(store)).head).toBe(a.head);
  });

  it('refuses a cosigner not trusted at the fork point, a second signature by one key, and non-checkpoints', async () => {
    const { c, store, a } = await compromised();
    const unsigned = await a.makeRetroactiveRevocation(store, [X.publicKey], ADMIN1.publicKey);
    // EVIL is trusted now, but was not at G: its signature would make the AUM invalid everywhere.
    await expectUnchanged(a, store, () =>
      expectTlockError(
        a.cosignRevocation(store, unsigned, EVIL),
        'UNTRUSTED_KEY',
        /not trusted at the fork point/,
      ),
    );
    const once = await a.cosignRevocation(store, unsigned, ADMIN1);
    await expectTlockError(a.cosignRevocation(store, once, ADMIN1), 'CONFLICT', /already signed/);
    await expectTlockError(a.cosignRevocation(store, c.get('M1'), ADMIN1), 'INVALID_ARGUMENT');
    expect(unsigned.signatures).toBeUndefined(); // inputs are left alone
  });
});
