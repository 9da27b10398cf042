import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { revocableDaemon } from './daemon-model.js';

// Attack 3: a patch carries only tailcfg.PeerChange fields to a Go daemon. What the verifier
// remembers from a patch must be what the daemon applies from it: a patch cannot make a node
// API-only, an `ID` inside it does not redirect it, and a patch beside an upsert of the same node
// may be applied before or after it (Go turns such upserts into patches of their own).

const admin = generateSigningKey();
const doomed = generateSigningKey();

const world = (): ReturnType<typeof revocableDaemon> => revocableDaemon(admin, doomed);

function keyed(signer = admin): { key: string; sig: string } {
  const k = newNodeKey();
  return { key: nodeKeyText(k), sig: b64(signNodeKey(signer, k)) };
}

describe('attack: fields a patch cannot carry', () => {
  it('"UnsignedPeerAPIOnly": true in a patch does not exempt the unsigned key it brings', () => {
    const { daemon } = world();
    const a = keyed();
    daemon.receive({ Peers: [{ ID: 1, Key: a.key, KeySignature: a.sig }] });
    const unsigned = nodeKeyText(newNodeKey());
    const v = daemon.receive({
      PeersChangedPatch: [{ NodeID: 1, UnsignedPeerAPIOnly: true, Key: unsigned }],
    });
    expect(daemon.unfiltered.peers.get(1)).toMatchObject({ Key: unsigned, UnsignedPeerAPIOnly: false });
    expect(daemon.unfiltered.unauthorised(stateTrusting(admin))).toHaveLength(1);
    expect(v.netmap.PeersChangedPatch).toEqual([]);
    expect(v.netmap.PeersRemoved).toEqual([1]);
    expect(v.dropped).toMatchObject([{ id: 1, reason: 'WRONG_NODE_KEY' }]);
    expect(daemon.filtered.peers.size).toBe(0);

    // The twin: a re-key with its own signature passes, as the patch Go applies.
    const twin = world();
    twin.daemon.receive({ Peers: [{ ID: 1, Key: a.key, KeySignature: a.sig }] });
    const b = keyed();
    const t = twin.daemon.receive({ PeersChangedPatch: [{ NodeID: 1, Key: b.key, KeySignature: b.sig }] });
    expect(t.netmap.PeersChangedPatch).toEqual([{ NodeID: 1, Key: b.key, KeySignature: b.sig }]);
    expect(twin.daemon.filtered.keys()).toEqual([b.key]);
  });

  it('an "ID" inside a patch does not redirect it, nor a later removal', () => {
    const { daemon, revoke } = world();
    const [a, b] = [keyed(doomed), keyed()];
    daemon.receive({
      Peers: [
        { ID: 1, Key: a.key, KeySignature: a.sig },
        { ID: 2, Key: b.key, KeySignature: b.sig },
      ],
    });
    const v = daemon.receive({ PeersChangedPatch: [{ NodeID: 1, ID: 2, Online: true }] });
    expect(v.netmap.PeersChangedPatch).toEqual([{ NodeID: 1, Online: true }]);
    revoke();
    const after = daemon.receive({ PeersChangedPatch: [{ NodeID: 2, Online: true }] });
    expect(after.netmap.PeersRemoved).toEqual([1]);
    expect(daemon.filtered.keys()).toEqual([b.key]);

    // The twin: the same patch without the stray ID.
    const twin = world();
    twin.daemon.receive({ Peers: [{ ID: 1, Key: a.key, KeySignature: a.sig }] });
    expect(
      twin.daemon.receive({ PeersChangedPatch: [{ NodeID: 1, Online: true }] }).netmap.PeersChangedPatch,
    ).toEqual([{ NodeID: 1, Online: true }]);
  });

  it('a re-keying patch beside an upsert of the same node is dropped (Go may apply it first)', () => {
    const { daemon } = world();
    const a = keyed();
    daemon.receive({ Peers: [{ ID: 1, Name: 'one', Key: a.key, KeySignature: a.sig }] });
    const good = keyed();
    const evil = nodeKeyText(newNodeKey());
    // Go turns the upsert (only Key differs) into a patch applied after the explicit one: the
    // daemon ends with the evil key and the good signature.
    const v = daemon.receive({
      PeersChanged: [{ ID: 1, Name: 'one', Key: evil, KeySignature: a.sig }],
      PeersChangedPatch: [{ NodeID: 1, Key: good.key, KeySignature: good.sig }],
    });
    expect(daemon.unfiltered.peers.get(1)!.Key).toBe(evil);
    expect(daemon.unfiltered.unauthorised(stateTrusting(admin))).toHaveLength(1);
    expect(v.dropped.map((d) => d.reason)).toEqual(['MALFORMED_PEER', 'WRONG_NODE_KEY']);
    expect(v.netmap.PeersChanged).toEqual([]);
    expect(v.netmap.PeersChangedPatch).toEqual([]);
    expect(daemon.filtered.peers.size).toBe(0);

    // The twin: an upsert with its own signature, and a patch that changes no key.
    const twin = world();
    twin.daemon.receive({ Peers: [{ ID: 1, Name: 'one', Key: a.key, KeySignature: a.sig }] });
    const t = twin.daemon.receive({
      PeersChanged: [{ ID: 1, Name: 'one', Key: good.key, KeySignature: good.sig }],
      PeersChangedPatch: [{ NodeID: 1, Online: true }],
    });
    expect(t.dropped).toEqual([]);
    expect(twin.daemon.filtered.peers.get(1)).toMatchObject({ Key: good.key, Online: true });
  });
});
