import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { revocableDaemon } from './daemon-model.js';

// Attack 4: node identity as Go sees it. A peer without an ID is node 0, remembered and judged
// again like any other; of several entries with one ID, Go keeps the last; and no refused entry
// ever appears in the output.

const admin = generateSigningKey();
const doomed = generateSigningKey();

const world = (): ReturnType<typeof revocableDaemon> => revocableDaemon(admin, doomed);

function signedPeer(id: number | undefined, signer = admin): Record<string, unknown> {
  const k = newNodeKey();
  const p: Record<string, unknown> = { Key: nodeKeyText(k), KeySignature: b64(signNodeKey(signer, k)) };
  return id === undefined ? p : { ID: id, ...p };
}

const forgedPeer = (id: number): Record<string, unknown> => ({
  ID: id,
  Key: nodeKeyText(newNodeKey()),
  KeySignature: b64(signNodeKey(admin, newNodeKey())),
});

describe('attack: node identity', () => {
  it('a peer without ID is node 0: it is removed when its signer is revoked', () => {
    const { daemon, revoke } = world();
    daemon.receive({ Peers: [signedPeer(undefined, doomed), signedPeer(1)] });
    expect([...daemon.filtered.peers.keys()].sort()).toEqual([0, 1]);
    revoke();
    const v = daemon.receive({ PeersChangedPatch: [{ NodeID: 1, Online: true }] });
    expect(v.netmap.PeersRemoved).toEqual([0]);
    expect([...daemon.filtered.peers.keys()]).toEqual([1]);
    expect(v.dropped).toMatchObject([{ id: 0, reason: 'UNTRUSTED_KEY' }]);

    // The twin: the same peer with an explicit ID 0 is the same node.
    const twin = world();
    twin.daemon.receive({ Peers: [signedPeer(0, doomed), signedPeer(1)] });
    twin.revoke();
    expect(
      twin.daemon.receive({ PeersChangedPatch: [{ NodeID: 1, Online: true }] }).netmap.PeersRemoved,
    ).toEqual([0]);
  });

  it('in a full list, the last entry of an ID is the one Go holds: a signed one before a forged one hides nothing', () => {
    const { daemon } = world();
    const good = signedPeer(1);
    const evil = forgedPeer(1);
    const v = daemon.receive({ Peers: [good, evil, signedPeer(2)] });
    expect(daemon.unfiltered.peers.get(1)!.Key).toBe(evil['Key']);
    expect(v.netmap.Peers).toHaveLength(1);
    expect(v.dropped.map((d) => [d.id, d.reason])).toEqual([
      [1, 'MALFORMED_PEER'], // replaced by the later entry
      [1, 'WRONG_NODE_KEY'],
    ]);
    expect(JSON.stringify(v.netmap)).not.toContain(evil['Key']);
    expect([...daemon.filtered.peers.keys()]).toEqual([2]);

    // The twin: the signed entry last is the node.
    const twin = world();
    const t = twin.daemon.receive({ Peers: [evil, good] });
    expect(t.netmap.Peers).toEqual([good]);
    expect(twin.daemon.filtered.keys()).toEqual([good['Key']]);
  });

  it('in PeersChanged too, only the last entry of an ID is passed on, and only if authorised', () => {
    const { daemon } = world();
    daemon.receive({ Peers: [signedPeer(1), signedPeer(2)] });
    const good = signedPeer(2);
    const evil = forgedPeer(2);
    const v = daemon.receive({ PeersChanged: [evil, good] });
    expect(v.netmap.PeersChanged).toEqual([good]);
    expect(daemon.filtered.peers.get(2)!.Key).toBe(good['Key']);

    const w = daemon.receive({ PeersChanged: [signedPeer(2), forgedPeer(2)] });
    expect(w.netmap.PeersChanged).toEqual([]);
    expect(w.netmap.PeersRemoved).toEqual([2]);
    expect([...daemon.filtered.peers.keys()]).toEqual([1]);
    expect(daemon.filtered.unauthorised(stateTrusting(admin, doomed))).toEqual([]);
  });
});
