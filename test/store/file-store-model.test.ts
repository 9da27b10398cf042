import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AUM, AUMKind, aumHash, aumParent } from '../../src/model/aum.js';
import { FileStore } from '../../src/store/file-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { bytesEqual } from '../../src/wire/bytes.js';
import { makeTempDir } from '../support/temp-dirs.js';

// Model-based check: random commits, purges, reloads and reopens on a FileStore always show
// exactly what Tailscale's semantics say (docs/FORMAT.md §8): an AUM is absent, live
// or purged; heads are live AUMs without live children; children are live AUMs by parent.

const nameOf = (aum: AUM): string => hashToBase32(aumHash(aum));
const child = (parent: AUM, tag: number): AUM => ({
  messageKind: AUMKind.NoOp,
  prevAUMHash: aumHash(parent),
  keyID: Uint8Array.of(tag),
});
const g: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: Uint8Array.of(0) };
const a = child(g, 1);
const b = child(g, 2);
const c = child(a, 3);
const d = child(c, 4);
const e = child(b, 5);
const missingParent = new Uint8Array(32).fill(9);
const orphan: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: missingParent };
const f = child(orphan, 6);
const pool = [g, a, b, c, d, e, orphan, f];

type Op =
  | { kind: 'commit'; picks: number[] }
  | { kind: 'purge'; picks: number[] }
  | { kind: 'reload' }
  | { kind: 'reopen' };

const picks = fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 1, maxLength: 4 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: picks.map((p): Op => ({ kind: 'commit', picks: p })) },
  { weight: 2, arbitrary: picks.map((p): Op => ({ kind: 'purge', picks: p })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'reload' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'reopen' }) },
);

describe('FileStore against a model of Tailscale’s store', () => {
  it('shows exactly the live AUMs, their children and the heads after any sequence of writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), async (ops) => {
        const dir = makeTempDir();
        let store = await FileStore.open(dir);
        const state = new Map<string, 'live' | 'purged'>();
        for (const op of ops) {
          if (op.kind === 'commit') {
            await store.commit(op.picks.map((i) => pool[i]!));
            for (const i of op.picks) state.set(nameOf(pool[i]!), 'live');
          } else if (op.kind === 'purge') {
            await store.purge(op.picks.map((i) => aumHash(pool[i]!)));
            for (const i of op.picks) if (state.has(nameOf(pool[i]!))) state.set(nameOf(pool[i]!), 'purged');
          } else if (op.kind === 'reload') {
            await store.reload();
          } else {
            store = await FileStore.open(dir);
          }
          const live = pool.filter((x) => state.get(nameOf(x)) === 'live');
          const liveChildren = (parent: Uint8Array): string[] =>
            live.filter((x) => x.prevAUMHash !== null && bytesEqual(aumParent(x)!, parent)).map(nameOf);
          for (const x of pool) {
            expect(await store.get(aumHash(x))).toEqual(state.get(nameOf(x)) === 'live' ? x : undefined);
            expect((await store.children(aumHash(x))).map(nameOf).sort()).toEqual(
              liveChildren(aumHash(x)).sort(),
            );
          }
          const orphans = (await store.children(missingParent)).map(nameOf);
          expect(orphans).toEqual(liveChildren(missingParent));
          const heads = live.filter((x) => liveChildren(aumHash(x)).length === 0).map(nameOf);
          expect((await store.heads()).map(nameOf).sort()).toEqual(heads.sort());
          expect((await store.allAUMs()).map(hashToBase32).sort()).toEqual(live.map(nameOf).sort());
        }
      }),
      { numRuns: 40 },
    );
  });
});
