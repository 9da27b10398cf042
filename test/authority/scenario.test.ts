import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { AUMKind } from '../../src/model/aum.js';
import type { AUM } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { Chain, expectUnchanged, keyOf, stateOf, trusted } from './helpers.js';
import { expectTlockError } from '../support/tlock-error.js';

// In the spirit of Tailscale's scenario_test.go: a control plane and nodes, each with its own
// store, exchanging AUMs only through syncOffer / missingAUMs / inform.

const KEY = keyOf(1); // the default key, 1 vote
const KEY2 = keyOf(2); // 2 votes, added in the shared chain

interface Node {
  authority: Authority;
  store: MemoryStore;
}

/** The shared chain: G (trusts KEY) → L1 (adds KEY2) → L2. */
function shared(): Chain {
  const c = new Chain();
  c.add('G', null, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(KEY)]) }, [KEY]);
  c.add('L1', 'G', { messageKind: AUMKind.AddKey, key: trusted(KEY2, 2) }, [KEY]);
  c.addNoOp('L2', 'L1', [KEY]);
  return c;
}

async function mkNode(c: Chain, extra: AUM[] = []): Promise<Node> {
  const store = new MemoryStore();
  const authority = await Authority.bootstrap(store, c.get('G'));
  await authority.inform(store, c.list('L1', 'L2'));
  if (extra.length > 0) await authority.inform(store, extra);
  return { authority, store };
}

/** Both offers, both answers, then each side informs the other's (as Tailscale's syncBetween). */
async function syncBetween(n1: Node, n2: Node): Promise<void> {
  const o1 = await n1.authority.syncOffer(n1.store);
  const o2 = await n2.authority.syncOffer(n2.store);
  const from1 = await n1.authority.missingAUMs(n1.store, o2);
  const from2 = await n2.authority.missingAUMs(n2.store, o1);
  if (from1.length > 0) await n2.authority.inform(n2.store, from1);
  if (from2.length > 0) await n1.authority.inform(n1.store, from2);
}

describe('propagation between authorities', () => {
  it('spreads a node’s updates through control to a new node (TestNormalPropagation)', async () => {
    const c = shared();
    c.addNoOp('L3', 'L2', [KEY]);
    c.addNoOp('L4', 'L3', [KEY]);
    const control = await mkNode(c);
    const n1 = await mkNode(c, c.list('L3', 'L4'));
    await syncBetween(control, n1);
    expect(control.authority.head).toBe(c.b32('L4'));
    const n2 = await mkNode(c);
    await syncBetween(n2, control);
    expect(n2.authority.head).toBe(c.b32('L4'));
  });

  it('converges every side on the heavier fork (TestForkingPropagation)', async () => {
    const c = shared();
    c.addNoOp('L3', 'L2', [KEY]); // n1 extends the main chain, signed by KEY (1 vote)
    c.add('F1', 'L1', { messageKind: AUMKind.RemoveKey, keyID: KEY.publicKey }, [KEY2]); // 2 votes
    c.addNoOp('F2', 'F1', [KEY2]);
    const control = await mkNode(c);
    const n1 = await mkNode(c, c.list('L3'));
    const n2 = await mkNode(c, c.list('F1', 'F2'));
    await syncBetween(control, n2);
    await syncBetween(control, n1);
    await syncBetween(control, n2);
    for (const n of [control, n1, n2]) {
      expect(n.authority.head).toBe(c.b32('F2'));
      expect(n.authority.keyTrusted(KEY.publicKey)).toBe(false);
      expect(n.authority.keyTrusted(KEY2.publicKey)).toBe(true);
      expect((await Authority.open(n.store)).head).toBe(c.b32('F2'));
    }
    // The losing branch is stored everywhere it was sent, but not followed.
    expect(await control.store.get(c.hash('L3'))).toBeDefined();
  });
});

describe('an invalid AUM in a batch rejects the whole batch, storage untouched', () => {
  /**
   * n1 holds a valid L3 and a bad L4 that it sends to control, which is at L2 (Tailscale's test
   * forces them into n1's authority; we hand control the batch n1 would send).
   */
  function setup(badL4: (c: Chain) => void): Promise<{ c: Chain; control: Node; toSend: AUM[] }> {
    const c = shared();
    c.addNoOp('L3', 'L2', [KEY]);
    badL4(c);
    return mkNode(c).then((control) => ({ c, control, toSend: c.list('L3', 'L4') }));
  }

  it('an AddKey without a key (TestInvalidAUMPropagationRejected)', async () => {
    const { control, toSend } = await setup((c) => c.add('L4', 'L3', { messageKind: AUMKind.AddKey }, [KEY]));
    await expectUnchanged(control.authority, control.store, () =>
      expectTlockError(
        control.authority.inform(control.store, toSend),
        'INVALID_AUM',
        'update 1 invalid: invalid: AddKey AUMs must contain a key',
      ),
    );
  });

  it('an unsigned AUM (TestUnsignedAUMPropagationRejected)', async () => {
    const { c, control, toSend } = await setup((c) => c.addNoOp('L4', 'L3', []));
    await expectUnchanged(control.authority, control.store, () =>
      expectTlockError(
        control.authority.inform(control.store, toSend),
        'REJECTED_AUM',
        'update 1 invalid: unsigned AUM',
      ),
    );
    expect(control.authority.head).toBe(c.b32('L2'));
  });

  it('a corrupted signature (TestBadSigAUMPropagationRejected)', async () => {
    const { control, toSend } = await setup((c) => {
      const l4 = c.addNoOp('L4', 'L3', [KEY]);
      l4.signatures![0]!.signature![7]! ^= 0x40;
    });
    await expectUnchanged(control.authority, control.store, () =>
      expectTlockError(
        control.authority.inform(control.store, toSend),
        'BAD_SIGNATURE',
        'update 1 invalid: signature 0: invalid signature',
      ),
    );
  });
});
