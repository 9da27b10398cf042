import { describe, expect, it } from 'vitest';
import { type AumStore, type CompactableStore, isCompactableStore } from '../../src/authority/store.js';
import { type AUM, AUMKind, aumHash } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { expectTlockError } from '../support/tlock-error.js';

/**
 * The AumStore contract (src/authority/store.ts, Tailscale's Chonk and CompactableChonk), as a
 * suite any store must pass: call it from a *.test.ts file with a factory for empty stores.
 * The CompactableStore part runs unless `options.compactable` is false.
 */
export function describeAumStoreConformance(
  name: string,
  makeStore: () => AumStore | Promise<AumStore>,
  options: { compactable: boolean } = { compactable: true },
): void {
  describe(`${name} (AumStore contract)`, () => {
    describeBasics(makeStore);
    describeBadInput(makeStore);
    if (options.compactable) describe('CompactableStore', () => describeCompaction(makeStore));
  });
}

// ---- AUMs for the tests: the store never verifies, so unsigned AUMs do (as in Tailscale's tests).

const h = (aum: AUM): Uint8Array => aumHash(aum);
const name = (aum: AUM): string => hashToBase32(aumHash(aum));
const names = (aums: AUM[]): string[] => aums.map(name).sort();
const byte32 = (b: number): Uint8Array => new Uint8Array(32).fill(b);

const genesis: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: Uint8Array.of(1, 2) };
const middle: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: h(genesis) };
const leaf: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: h(middle), keyID: Uint8Array.of(9) };
const fork: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: h(middle), keyID: Uint8Array.of(3, 4) };

/** An AUM using every field, so that a store that loses one is caught. */
const everyField: AUM = {
  messageKind: AUMKind.Checkpoint,
  prevAUMHash: byte32(7),
  state: {
    lastAUMHash: null,
    disablementValues: [byte32(1)],
    keys: [{ kind: 1, votes: 2, public: byte32(2), meta: { role: 'admin' } }],
    stateID1: 12345678901234567890n,
    stateID2: 42n,
  },
  signatures: [{ keyID: byte32(3), signature: new Uint8Array(64).fill(4) }],
};
const updateKey: AUM = {
  messageKind: AUMKind.UpdateKey,
  prevAUMHash: byte32(8),
  keyID: byte32(5),
  votes: 3,
  meta: { a: 'b', ünï: 'cödé' },
};

/** What a plain AumStore shows of the given AUMs: which are stored, heads, hint. */
async function snapshot(store: AumStore, aums: AUM[]): Promise<unknown> {
  const stored = await Promise.all(aums.map(async (a) => ((await store.get(h(a))) ? name(a) : '-')));
  const children = await Promise.all(aums.map(async (a) => names(await store.children(h(a)))));
  const hint = await store.lastActiveAncestor();
  return { stored, children, heads: names(await store.heads()), hint: hint && hashToBase32(hint) };
}

function describeBasics(makeStore: () => AumStore | Promise<AumStore>): void {
  it('starts empty: no AUM, no children, no heads, no hint', async () => {
    const store = await makeStore();
    expect(await store.get(byte32(42))).toBeUndefined();
    expect(await store.children(byte32(42))).toEqual([]);
    expect(await store.heads()).toEqual([]);
    expect(await store.lastActiveAncestor()).toBeUndefined();
  });

  it('returns what was committed, every field intact', async () => {
    const store = await makeStore();
    await store.commit([everyField, updateKey, genesis]);
    expect(await store.get(h(everyField))).toEqual(everyField);
    expect(await store.get(h(updateKey))).toEqual(updateKey);
    expect(await store.get(h(genesis))).toEqual(genesis);
    expect(await store.get(byte32(42))).toBeUndefined();
  });

  it('reads a chain back from its head (Tailscale ReadChainFromHead)', async () => {
    const store = await makeStore();
    await store.commit([genesis, middle, leaf]);
    const heads = await store.heads();
    expect(heads).toEqual([leaf]);
    const got = await store.get(heads[0]!.prevAUMHash!);
    expect(got).toEqual(middle);
    expect(await store.get(got!.prevAUMHash!)).toEqual(genesis);
  });

  it('lists the children of a parent it does not store (Tailscale ChildAUMs)', async () => {
    const store = await makeStore();
    const parent = byte32(0xaa);
    const a: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: parent, keyID: Uint8Array.of(1, 2) };
    const b: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: parent, keyID: Uint8Array.of(3, 4) };
    await store.commit([a, b]);
    expect(names(await store.children(parent))).toEqual(names([a, b]));
    expect(await store.children(h(a))).toEqual([]);
    expect(names(await store.heads())).toEqual(names([a, b]));
  });

  it('gives every tip of a fork as a head, and the fork point two children', async () => {
    const store = await makeStore();
    await store.commit([genesis, middle, leaf, fork]);
    expect(names(await store.heads())).toEqual(names([leaf, fork]));
    expect(names(await store.children(h(middle)))).toEqual(names([leaf, fork]));
    expect(await store.children(h(genesis))).toEqual([middle]);
  });

  it('takes re-commits and duplicates in a batch without duplicating anything', async () => {
    const store = await makeStore();
    await store.commit([genesis, middle]);
    await store.commit([middle, leaf, leaf, middle]);
    await store.commit([]);
    expect(await store.heads()).toEqual([leaf]);
    expect(await store.children(h(genesis))).toEqual([middle]);
    expect(await store.children(h(middle))).toEqual([leaf]);
  });

  it('keeps its own copies: changing a committed or returned AUM changes nothing stored', async () => {
    const store = await makeStore();
    const mine: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: h(genesis), keyID: Uint8Array.of(5) };
    const hash = h(mine);
    await store.commit([genesis, mine]);
    mine.keyID![0] = 6;
    mine.prevAUMHash = null;
    const got = (await store.get(hash))!;
    expect(got.keyID).toEqual(Uint8Array.of(5));
    got.prevAUMHash![0] = 0xff - got.prevAUMHash![0]!;
    (await store.heads())[0]!.keyID![0] = 7;
    expect(h((await store.get(hash))!)).toEqual(hash);
    expect(await store.children(h(genesis))).toEqual([
      { messageKind: AUMKind.NoOp, prevAUMHash: h(genesis), keyID: Uint8Array.of(5) },
    ]);
  });

  it('records the last-active-ancestor hint, and replaces it', async () => {
    const store = await makeStore();
    await store.setLastActiveAncestor(h(genesis));
    const got = (await store.lastActiveAncestor())!;
    expect(got).toEqual(h(genesis));
    got[0] = 0xff - got[0]!;
    expect(await store.lastActiveAncestor()).toEqual(h(genesis));
    await store.setLastActiveAncestor(h(leaf));
    expect(await store.lastActiveAncestor()).toEqual(h(leaf));
  });
}

function describeBadInput(makeStore: () => AumStore | Promise<AumStore>): void {
  const badHashes: [string, unknown][] = [
    ['a string', 'PTLKSENL2QXJMNCQ2OQJILCM4FEYQVYIZKNAMMK2A6PW7QUPKYWA'],
    ['null', null],
    ['an array of numbers', Array.from(byte32(1))],
    ['31 bytes', new Uint8Array(31)],
    ['33 bytes', new Uint8Array(33)],
  ];
  for (const [what, bad] of badHashes) {
    it(`refuses ${what} as a hash with INVALID_ARGUMENT, and stays unchanged`, async () => {
      const store = await makeStore();
      await store.commit([genesis, middle]);
      await store.setLastActiveAncestor(h(genesis));
      const before = await snapshot(store, [genesis, middle]);
      const asHash = bad as Uint8Array;
      await expectTlockError(store.get(asHash), 'INVALID_ARGUMENT');
      await expectTlockError(store.children(asHash), 'INVALID_ARGUMENT');
      await expectTlockError(store.setLastActiveAncestor(asHash), 'INVALID_ARGUMENT');
      expect(await snapshot(store, [genesis, middle])).toEqual(before);
    });
  }

  const badBatches: [string, unknown][] = [
    ['not an array', genesis],
    ['a null element', [middle, null]],
    ['an AUM whose kind is a string', [middle, { messageKind: 'x', prevAUMHash: null }]],
    ['an AUM whose parent is a number array', [middle, { messageKind: 3, prevAUMHash: [1, 2] }]],
    ['an AUM with a non-string meta value', [middle, { ...updateKey, meta: { a: 1 } }]],
  ];
  for (const [what, bad] of badBatches) {
    it(`refuses a batch with ${what} with INVALID_ARGUMENT, storing none of it`, async () => {
      const store = await makeStore();
      await store.commit([genesis]);
      const before = await snapshot(store, [genesis, middle]);
      await expectTlockError(store.commit(bad as AUM[]), 'INVALID_ARGUMENT');
      expect(await store.get(h(middle))).toBeUndefined();
      expect(await snapshot(store, [genesis, middle])).toEqual(before);
    });
  }
}

function describeCompaction(makeStore: () => AumStore | Promise<AumStore>): void {
  async function compactable(): Promise<CompactableStore> {
    const store = await makeStore();
    expect(isCompactableStore(store)).toBe(true);
    return store as CompactableStore;
  }
  const sorted = (hashes: Uint8Array[]): string[] => hashes.map(hashToBase32).sort();

  it('lists every live AUM (Tailscale AllAUMs)', async () => {
    const store = await compactable();
    expect(await store.allAUMs()).toEqual([]);
    await store.commit([genesis, middle, leaf]);
    expect(sorted(await store.allAUMs())).toEqual(names([genesis, middle, leaf]));
  });

  it('gives a commit time for stored AUMs only', async () => {
    const store = await compactable();
    const before = Date.now();
    await store.commit([genesis]);
    const after = Date.now();
    const t = (await store.commitTime(h(genesis)))!;
    // Stores may keep whole seconds, as Tailscale's files do.
    expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(t).toBeLessThanOrEqual(after);
    expect(await store.commitTime(h(middle))).toBeUndefined();
  });

  it('hides purged AUMs from get, heads, allAUMs and commitTime', async () => {
    const store = await compactable();
    await store.commit([genesis, middle, leaf]);
    await store.purge([h(genesis)]);
    expect(await store.get(h(genesis))).toBeUndefined();
    expect(await store.commitTime(h(genesis))).toBeUndefined();
    expect(sorted(await store.allAUMs())).toEqual(names([middle, leaf]));
    expect(await store.heads()).toEqual([leaf]);
    expect(await store.get(h(middle))).toEqual(middle);
  });

  it('keeps the children of a purged AUM findable, and drops purged children (Tailscale ChildAUMsOfPurgedAUM)', async () => {
    const store = await compactable();
    const parent: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: Uint8Array.of(0, 0) };
    const child = (k: number): AUM => ({
      messageKind: AUMKind.AddKey,
      prevAUMHash: h(parent),
      keyID: Uint8Array.of(k, k),
    });
    const [c1, c2, c3] = [child(1), child(2), child(3)];
    await store.commit([parent, c1, c2, c3]);
    await store.purge([h(parent)]);
    expect(names(await store.children(h(parent)))).toEqual(names([c1, c2, c3]));
    await store.purge([h(c3)]);
    expect(names(await store.children(h(parent)))).toEqual(names([c1, c2]));
  });

  it('makes an AUM a head again once all its children are purged', async () => {
    const store = await compactable();
    await store.commit([genesis, middle, leaf, fork]);
    await store.purge([h(leaf), h(fork)]);
    expect(await store.heads()).toEqual([middle]);
    expect(await store.children(h(middle))).toEqual([]);
  });

  it('resurrects a purged AUM that is committed again', async () => {
    const store = await compactable();
    await store.commit([genesis, middle]);
    await store.purge([h(middle)]);
    await store.commit([middle]);
    expect(await store.get(h(middle))).toEqual(middle);
    expect(await store.heads()).toEqual([middle]);
    expect(await store.commitTime(h(middle))).toBeTypeOf('number');
  });

  it('skips unknown and already-purged hashes, and an empty list', async () => {
    const store = await compactable();
    await store.commit([genesis, middle]);
    await store.purge([h(middle)]);
    await store.purge([byte32(42), h(middle)]);
    await store.purge([]);
    expect(sorted(await store.allAUMs())).toEqual(names([genesis]));
  });

  it('refuses bad hashes with INVALID_ARGUMENT, purging nothing', async () => {
    const store = await compactable();
    await store.commit([genesis, middle]);
    await expectTlockError(store.purge([h(genesis), new Uint8Array(5)]), 'INVALID_ARGUMENT');
    await expectTlockError(store.purge('x' as unknown as Uint8Array[]), 'INVALID_ARGUMENT');
    await expectTlockError(store.commitTime(null as unknown as Uint8Array), 'INVALID_ARGUMENT');
    expect(sorted(await store.allAUMs())).toEqual(names([genesis, middle]));
  });
}
