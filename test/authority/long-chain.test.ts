import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { signAUM } from '../../src/authority/aum-signing.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import type { AUM } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { keyOf, stateOf, trusted } from './helpers.js';

// Tailscale cannot open a chain past 2000 AUMs; tlock has no such limit (issue 3, item 7).
// This checks that a 10 000-AUM chain opens and syncs; how fast is measured elsewhere.

const K = keyOf(1);
const N = 10_000;

/** Genesis, then signed NoOps, a checkpoint every 50 AUMs as the builder would write. */
function longChain(): AUM[] {
  const state = stateOf([trusted(K)]);
  const out: AUM[] = [signAUM({ messageKind: AUMKind.Checkpoint, prevAUMHash: null, state }, K)];
  for (let i = 1; i < N; i++) {
    const body: AUM =
      i % 50 === 0
        ? { messageKind: AUMKind.Checkpoint, prevAUMHash: aumHash(out[i - 1]!), state }
        : { messageKind: AUMKind.NoOp, prevAUMHash: aumHash(out[i - 1]!) };
    out.push(signAUM(body, K));
  }
  return out;
}

describe('a 10 000-AUM chain', () => {
  it('opens, answers state queries, and syncs to a node that has only the genesis', async () => {
    const chain = longChain();
    const head = hashToBase32(aumHash(chain[N - 1]!));
    const store = new MemoryStore();
    await store.commit(chain);
    const a = await Authority.open(store);
    expect(a.head).toBe(head);
    expect(a.oldestAncestor).toBe(hashToBase32(aumHash(chain[0]!)));
    expect((await a.stateAt(store, aumHash(chain[N - 2]!))).lastAUMHash).toEqual(aumHash(chain[N - 2]!));

    const offer = await a.syncOffer(store);
    expect(offer.ancestors).toHaveLength(21); // the checkpoints among the newest 1000, and the genesis

    const nodeStore = new MemoryStore();
    const node = await Authority.bootstrap(nodeStore, chain[0]!);
    const missing = await a.missingAUMs(store, await node.syncOffer(nodeStore));
    expect(missing).toHaveLength(N - 1);
    await node.inform(nodeStore, missing);
    expect(node.head).toBe(head);
    expect((await Authority.open(nodeStore)).head).toBe(head);
  });
});
