import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import type { SigningKey } from '../../src/crypto/ed25519.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { FilteredDaemon } from './daemon-model.js';

// Attack 2: which lists count, and in which order. A non-empty Peers is the whole list and Go
// ignores every delta beside it; Peers: [] is no list at all; otherwise PeersRemoved, then
// PeersChanged, then PeersChangedPatch. The verifier's memory of what the daemon holds must follow
// the same rules, or a later revocation misses a peer the daemon really holds. Each attack ends
// with the revocation of the key that signed the peer it hides, then a harmless patch.

const admin = generateSigningKey();
const doomed = generateSigningKey(); // trusted until `revoke`

function world(): { daemon: FilteredDaemon; revoke: () => void; held: () => number[] } {
  const authority = { head: 'H1', state: stateTrusting(admin, doomed) };
  const daemon = new FilteredDaemon(authority);
  return {
    daemon,
    revoke: () => {
      authority.head = 'H2';
      authority.state = stateTrusting(admin);
    },
    held: () => [...daemon.filtered.peers.keys()].sort((a, b) => a - b),
  };
}

function peer(id: number, signer: SigningKey | undefined): Record<string, unknown> {
  const k = newNodeKey();
  const p: Record<string, unknown> = { ID: id, Key: nodeKeyText(k) };
  if (signer !== undefined) p['KeySignature'] = b64(signNodeKey(signer, k));
  return p;
}

const nudge = { PeersChangedPatch: [{ NodeID: 1, Online: true }] };

describe('attack: lists Go ignores, and the order it applies the rest', () => {
  it('"Peers": [] is no list: the daemon keeps its peers, and so does the verifier’s memory', () => {
    const { daemon, revoke, held } = world();
    daemon.receive({ Peers: [peer(1, admin), peer(2, doomed)] });
    daemon.receive({ Peers: [], PeersChanged: [peer(3, admin)] });
    expect(held()).toEqual([1, 2, 3]);
    revoke();
    const v = daemon.receive(nudge);
    expect(v.netmap.PeersRemoved).toEqual([2]);
    expect(held()).toEqual([1, 3]);

    // The twin: the same delta without the empty list.
    const twin = world();
    twin.daemon.receive({ Peers: [peer(1, admin), peer(2, doomed)] });
    twin.daemon.receive({ PeersChanged: [peer(3, admin)] });
    twin.revoke();
    twin.daemon.receive(nudge);
    expect(twin.held()).toEqual([1, 3]);
  });

  it('deltas beside a full list are ignored by Go: a PeersRemoved there does not hide a peer', () => {
    const { daemon, revoke, held } = world();
    const v = daemon.receive({
      Peers: [peer(1, admin), peer(2, doomed)],
      PeersRemoved: [2],
      PeersChanged: [peer(5, undefined)],
    });
    expect(Object.keys(v.netmap)).toEqual(['Peers']); // left out: they would mean something else to another reader
    expect([...daemon.unfiltered.peers.keys()]).toEqual([1, 2]);
    expect(held()).toEqual([1, 2]);
    revoke();
    daemon.receive(nudge);
    expect(held()).toEqual([1]);

    // The twin: the removal in a response of its own is applied.
    const twin = world();
    twin.daemon.receive({ Peers: [peer(1, admin), peer(2, doomed)] });
    twin.daemon.receive({ PeersRemoved: [2] });
    expect(twin.held()).toEqual([1]);
  });

  it('PeersRemoved is applied before PeersChanged, whatever the JSON order', () => {
    const { daemon, revoke, held } = world();
    daemon.receive({ Peers: [peer(1, admin), peer(2, admin)] });
    // A new Name: Go cannot turn the entry into a patch (see below), so it replaces the node.
    daemon.receive({ PeersChanged: [{ ...peer(2, doomed), Name: 'renamed' }], PeersRemoved: [2] });
    expect(held()).toEqual([1, 2]);
    revoke();
    expect(daemon.receive(nudge).netmap.PeersRemoved).toEqual([2]);
    expect(held()).toEqual([1]);

    // An entry that differs only in fields a patch carries becomes a patch in Go (patchify),
    // applied after the removal, to a node that is gone: the daemon holds less than the verifier
    // remembers, which only ever costs a removal the daemon ignores.
    const quirk = world();
    quirk.daemon.receive({ Peers: [peer(1, admin), peer(2, admin)] });
    quirk.daemon.receive({ PeersChanged: [peer(2, doomed)], PeersRemoved: [2] });
    expect(quirk.held()).toEqual([1]);
    quirk.revoke();
    expect(quirk.daemon.receive(nudge).netmap.PeersRemoved).toEqual([2]);
    expect(quirk.held()).toEqual([1]);

    // The twin: removed and not re-added.
    const twin = world();
    twin.daemon.receive({ Peers: [peer(1, admin), peer(2, admin)] });
    twin.daemon.receive({ PeersRemoved: [2] });
    expect(twin.held()).toEqual([1]);
  });

  it('a full list of refused peers: the daemon is told to remove what it holds (Go ignores an empty list)', () => {
    const { daemon, revoke, held } = world();
    daemon.receive({ Peers: [peer(1, admin), peer(2, doomed)] });
    const v = daemon.receive({ Peers: [peer(7, undefined), peer(8, generateSigningKey())] });
    expect(v.netmap.Peers).toEqual([]);
    expect(v.netmap.PeersRemoved).toEqual([1, 2]);
    expect(held()).toEqual([]);
    revoke();
    daemon.receive(nudge);
    expect(daemon.filtered.unauthorised(stateTrusting(admin))).toEqual([]);

    // The twin: a full list with one good peer replaces everything by itself.
    const twin = world();
    twin.daemon.receive({ Peers: [peer(1, admin), peer(2, doomed)] });
    const t = twin.daemon.receive({ Peers: [peer(7, undefined), peer(3, admin)] });
    expect(t.netmap.PeersRemoved).toBeUndefined();
    expect(twin.held()).toEqual([3]);
  });
});
