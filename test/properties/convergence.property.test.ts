import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { signAUM } from '../../src/authority/aum-signing.js';
import { applyAUM } from '../../src/authority/state-machine.js';
import { findKey } from '../../src/model/state.js';
import type { SigningKey } from '../../src/crypto/ed25519.js';
import { isTlockError } from '../../src/errors.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import type { AUM } from '../../src/model/aum.js';
import type { State } from '../../src/model/state.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { FileStore } from '../../src/store/file-store.js';
import { PostgresDatabase } from '../../src/store/postgres-database.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { postgresUrl, uniqueTailnet } from '../support/postgres.js';
import { makeTempDir } from '../support/temp-dirs.js';
import type { AumStore } from '../../src/authority/store.js';
import { toHex } from '../../src/wire/bytes.js';
import { keyOf, stateOf, trusted } from '../authority/helpers.js';

// Convergence: whatever order and batching the same valid AUMs arrive in, every authority ends
// on the same head and state, and re-opening its store gives them again (docs/FORMAT.md §5.5).

const POOL: SigningKey[] = [1, 2, 3, 4, 5].map((n) => keyOf(40 + n));
const GENESIS = signAUM(
  {
    messageKind: AUMKind.Checkpoint,
    prevAUMHash: null,
    state: stateOf([trusted(POOL[0]!, 1), trusted(POOL[1]!, 2), trusted(POOL[2]!, 1)]),
  },
  POOL[0]!,
);

interface Step {
  parent: number;
  action: number;
  pick: number;
  signers: number;
  votes: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  parent: fc.nat(),
  action: fc.integer({ min: 0, max: 5 }),
  pick: fc.nat(),
  signers: fc.integer({ min: 1, max: 2 }),
  votes: fc.integer({ min: 1, max: 4 }),
});

/** Turns steps into a tree of valid AUMs: each is built against its parent's state. */
function materialise(steps: Step[]): AUM[] {
  const nodes: { aum: AUM; state: State }[] = [
    { aum: GENESIS, state: applyAUM({ ...GENESIS.state!, lastAUMHash: null }, GENESIS, aumHash(GENESIS)) },
  ];
  const seen = new Set([toHex(aumHash(GENESIS))]);
  steps.forEach((s, i) => {
    const parent = nodes[s.parent % nodes.length]!;
    const state = parent.state;
    const isTrusted = (k: SigningKey): boolean => findKey(state, k.publicKey) !== undefined;
    const inState = POOL.filter(isTrusted);
    const outside = POOL.filter((k) => !isTrusted(k));
    const body: Omit<AUM, 'prevAUMHash'> = { messageKind: AUMKind.NoOp, keyID: new Uint8Array([i]) };
    const target = inState[s.pick % inState.length]!;
    if (s.action === 1 && outside.length > 0) {
      Object.assign(body, {
        messageKind: AUMKind.AddKey,
        key: trusted(outside[s.pick % outside.length]!, s.votes),
      });
      delete body.keyID;
    } else if (s.action === 2 && inState.length > 1) {
      Object.assign(body, { messageKind: AUMKind.RemoveKey, keyID: target.publicKey });
    } else if (s.action === 3) {
      Object.assign(body, { messageKind: AUMKind.UpdateKey, keyID: target.publicKey, votes: s.votes });
    } else if (s.action === 4) {
      Object.assign(body, { messageKind: AUMKind.Checkpoint, state: { ...state, lastAUMHash: null } });
      delete body.keyID;
    } else if (s.action === 5) {
      Object.assign(body, {
        messageKind: AUMKind.UpdateKey,
        keyID: target.publicKey,
        meta: { step: String(i) },
      });
    }
    const signers = [
      ...new Set([inState[s.pick % inState.length]!, inState[(s.pick + s.votes) % inState.length]!]),
    ];
    const aum = signAUM({ ...body, prevAUMHash: aumHash(parent.aum) }, ...signers.slice(0, s.signers));
    const hex = toHex(aumHash(aum));
    if (seen.has(hex)) return;
    seen.add(hex);
    nodes.push({ aum, state: applyAUM(state, aum, aumHash(aum)) });
  });
  return nodes.slice(1).map((n) => n.aum);
}

/** A small deterministic PRNG, so one integer seed drives an order and a batching. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledBatches(aums: AUM[], seed: number): AUM[][] {
  const r = rng(seed);
  const order = aums
    .map((a) => ({ a, k: r() }))
    .sort((x, y) => x.k - y.k)
    .map((x) => x.a);
  const batches: AUM[][] = [];
  for (let i = 0; i < order.length;) {
    const n = 1 + Math.floor(r() * 4);
    batches.push(order.slice(i, i + n));
    i += n;
  }
  return batches;
}

async function countStored(store: AumStore, aums: AUM[]): Promise<number> {
  let n = 0;
  for (const x of aums) if ((await store.get(aumHash(x))) !== undefined) n++;
  return n;
}

const show = (s: State): string =>
  JSON.stringify(s, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v,
  );

let db: PostgresDatabase | undefined;

/** A store kind: how to make an empty one, and how to open it again from where it keeps its AUMs. */
interface StoreKind {
  make(): Promise<AumStore>;
  reopen(store: AumStore): Promise<AumStore>;
}

// Every store implementation must pass.
const STORES: [string, StoreKind][] = [
  ['MemoryStore', { make: () => Promise.resolve(new MemoryStore()), reopen: (s) => Promise.resolve(s) }],
  [
    'FileStore',
    {
      make: () => FileStore.open(makeTempDir('tlock-convergence-')),
      reopen: (s) => FileStore.open((s as FileStore).dir),
    },
  ],
  [
    'PostgresStore',
    {
      make: async () =>
        PostgresStore.open((db ??= await PostgresDatabase.connect(postgresUrl())), uniqueTailnet()),
      reopen: (s) => PostgresStore.open(db!, (s as PostgresStore).tailnet),
    },
  ],
];

beforeAll(() => {
  postgresUrl(); // fails the file at once when the test cluster did not start
});
afterAll(async () => {
  await db?.close();
});

describe.each(STORES)('convergence on %s', (_name, kind) => {
  it('every authority ends on the same head and state, whatever the order and batching', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 2, maxLength: 14 }),
        fc.array(fc.integer(), { minLength: 3, maxLength: 3 }),
        async (steps, seeds) => {
          const aums = materialise(steps);
          const reference = new MemoryStore();
          await reference.commit([GENESIS, ...aums]);
          const want = await Authority.open(reference);

          for (const seed of seeds) {
            const store = await kind.make();
            const a = await Authority.bootstrap(store, GENESIS);
            for (const batch of shuffledBatches(aums, seed)) {
              const before = await countStored(store, aums);
              try {
                await a.inform(store, batch);
              } catch (e) {
                // Only a parent that has not arrived yet may refuse a batch; then nothing is stored.
                expect(isTlockError(e, 'REJECTED_AUM') && /computing state/.test(e.message), String(e)).toBe(
                  true,
                );
                expect(await countStored(store, aums)).toBe(before);
              }
            }
            // Whatever was refused arrives again, oldest first.
            await a.inform(store, aums);
            expect(a.head).toBe(want.head);
            expect(show(a.state)).toBe(show(want.state));
            const reopened = await Authority.open(await kind.reopen(store));
            expect(reopened.head).toBe(want.head);
            expect(show(reopened.state)).toBe(show(want.state));
          }
        },
      ),
      { numRuns: 60 },
    );
    // 60 runs of fsynced FileStore writes: ~3 s alone, far more on a loaded shared machine.
  }, 180_000);
});
