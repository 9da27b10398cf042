import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { signAUM } from '../../src/authority/aum-signing.js';
import { chainReads, settled } from '../../src/authority/chain-reads.js';
import { IN_PLACE_READS, type AumStore, type CompactableStore } from '../../src/authority/store.js';
import { isTlockError } from '../../src/errors.js';
import { AUMKind, aumHash, encodeAUM } from '../../src/model/aum.js';
import type { AUM } from '../../src/model/aum.js';
import { FileStore } from '../../src/store/file-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { toHex } from '../../src/wire/bytes.js';
import { makeTempDir } from '../support/temp-dirs.js';
import { keyOf, stateOf, trusted } from './helpers.js';

// Authority.open reads MemoryStore and FileStore in place (no copies, src/authority/store.ts).
// Opening through the stores' copying methods must give exactly the same authority.

const KEYS = [keyOf(61), keyOf(62), keyOf(63)];
const GENESIS = signAUM(
  {
    messageKind: AUMKind.Checkpoint,
    prevAUMHash: null,
    state: stateOf([trusted(KEYS[0]!, 1), trusted(KEYS[1]!, 2), trusted(KEYS[2]!, 1)]),
  },
  KEYS[0]!,
);

/** A tree of NoOps and vote changes under the genesis, signed by varied keys (so forks have weights). */
const treeArb = fc
  .array(fc.record({ parent: fc.nat(), signers: fc.integer({ min: 1, max: 7 }), votes: fc.nat(3) }), {
    minLength: 1,
    maxLength: 14,
  })
  .map((steps) => {
    const aums: AUM[] = [GENESIS];
    steps.forEach((s, i) => {
      const parent = aums[s.parent % aums.length]!;
      const signers = KEYS.filter((_k, j) => (s.signers >> j) & 1);
      const body: Omit<AUM, 'prevAUMHash'> =
        s.votes === 0
          ? { messageKind: AUMKind.NoOp, keyID: new Uint8Array([i + 1]) }
          : { messageKind: AUMKind.UpdateKey, keyID: KEYS[i % 3]!.publicKey, votes: s.votes };
      aums.push(signAUM({ ...body, prevAUMHash: aumHash(parent) }, ...signers));
    });
    return aums;
  });

/** The same store seen only through the public (copying) interface. */
function copyingOnly(store: AumStore): AumStore {
  return {
    get: (h) => store.get(h),
    children: (h) => store.children(h),
    heads: () => store.heads(),
    commit: (a) => store.commit(a),
    lastActiveAncestor: () => store.lastActiveAncestor(),
    setLastActiveAncestor: (h) => store.setLastActiveAncestor(h),
  };
}

async function outcome(store: AumStore): Promise<string> {
  try {
    const a = await Authority.open(store);
    const state = JSON.stringify(a.state, (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v,
    );
    return `${a.head} ${a.oldestAncestor} ${state}`;
  } catch (e) {
    if (!isTlockError(e)) throw e;
    return `${e.code}: ${e.message}`;
  }
}

const STORES: [string, () => Promise<CompactableStore>][] = [
  ['MemoryStore', () => Promise.resolve(new MemoryStore())],
  ['FileStore', () => FileStore.open(makeTempDir('tlock-in-place-'))],
];

describe.each(STORES)('Authority.open on %s in place', (_name, newStore) => {
  it('offers in-place reads', async () => {
    const reads = ((await newStore()) as unknown as Record<symbol, { get?: unknown } | undefined>)[
      IN_PLACE_READS
    ];
    expect(typeof reads?.get).toBe('function');
  });

  it('gives the same head, oldest ancestor and state (or the same error) as through copies', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, fc.nat(), async (aums, drop) => {
        const store = await newStore();
        // Sometimes leave an AUM out, so that some stores hold several unrelated chains.
        const kept =
          drop % 3 === 0 && aums.length > 2
            ? aums.filter((_a, i) => i !== 1 + (drop % (aums.length - 1)))
            : aums;
        await store.commit(kept);
        await store.setLastActiveAncestor(aumHash(GENESIS));
        const before = await Promise.all(
          kept.map(async (a) => toHex(encodeAUM((await store.get(aumHash(a)))!))),
        );
        expect(await outcome(store)).toBe(await outcome(copyingOnly(store)));
        // Opening changed no stored AUM.
        const after = await Promise.all(
          kept.map(async (a) => toHex(encodeAUM((await store.get(aumHash(a)))!))),
        );
        expect(after).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });

  it('answers in-place reads at once (no promise), and copying reads in a promise', async () => {
    const store = await newStore();
    await store.commit([GENESIS]);
    const h = aumHash(GENESIS);
    for (const read of [chainReads(store).get(h), chainReads(store).children(h), chainReads(store).heads()]) {
      expect(settled(read)).toBe(true);
    }
    const copying = chainReads(copyingOnly(store)).get(h);
    expect(settled(copying)).toBe(false);
    expect((await copying)?.hash).toEqual(h);
  });

  it('after purges, gives the same authority (or error) in place as through copies', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, fc.array(fc.nat(), { maxLength: 4 }), async (aums, purged) => {
        const store = await newStore();
        await store.commit(aums);
        await store.setLastActiveAncestor(aumHash(GENESIS));
        await store.purge(purged.map((i) => aumHash(aums[i % aums.length]!)));
        expect(await outcome(store)).toBe(await outcome(copyingOnly(store)));
      }),
      { numRuns: 30 },
    );
  });

  it('still hands callers copies: changing what get returned changes no later open', async () => {
    const store = await newStore();
    const child = signAUM(
      { messageKind: AUMKind.NoOp, keyID: new Uint8Array([9]), prevAUMHash: aumHash(GENESIS) },
      KEYS[1]!,
    );
    await store.commit([GENESIS, child]);
    await store.setLastActiveAncestor(aumHash(GENESIS));
    const first = await outcome(store);
    const got = (await store.get(aumHash(child)))!;
    got.prevAUMHash = new Uint8Array(32);
    got.signatures = [];
    (await store.get(aumHash(GENESIS)))!.state!.keys = [];
    expect(await outcome(store)).toBe(first);
  });
});

describe('Authority.open on a store of another making', () => {
  it('hashes what the store hands out, even an AUM changed after the inner store hashed it', async () => {
    const inner = new MemoryStore();
    const child = signAUM(
      { messageKind: AUMKind.NoOp, keyID: new Uint8Array([9]), prevAUMHash: aumHash(GENESIS) },
      KEYS[1]!,
    );
    await inner.commit([GENESIS, child]);
    await inner.setLastActiveAncestor(aumHash(GENESIS));
    // A store that rewrites the NoOp on its way out (a migration, say, or a bug).
    const rewrite = (aum: AUM): AUM =>
      aum.messageKind === AUMKind.NoOp ? Object.assign(aum, { keyID: new Uint8Array([10]) }) : aum;
    const store: AumStore = {
      ...copyingOnly(inner),
      get: async (h) => {
        const aum = await inner.get(h);
        return aum === undefined ? undefined : rewrite(aum);
      },
      children: async (h) => (await inner.children(h)).map(rewrite),
      heads: async () => (await inner.heads()).map(rewrite),
    };
    const authority = await Authority.open(store);
    expect(authority.headHash).toEqual(aumHash({ ...child, keyID: new Uint8Array([10]) }));
    expect(authority.headHash).not.toEqual(aumHash(child));
  });
});
