import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { expectTlockError } from '../support/tlock-error.js';
import { FilteredDaemon } from './daemon-model.js';

// Attack 1: Go matches JSON keys to fields case-insensitively, and the last match wins. Each test
// mounts the attack, shows what it does to a daemon that trusts the server, and that the filtered
// daemon holds no unauthorised peer; then the legitimate twin passes.

const admin = generateSigningKey();

function node(): FilteredDaemon {
  return new FilteredDaemon({ head: 'H1', state: stateTrusting(admin) });
}

function signed(id: number): { key: string; peer: Record<string, unknown> } {
  const k = newNodeKey();
  return {
    key: nodeKeyText(k),
    peer: { ID: id, Key: nodeKeyText(k), KeySignature: b64(signNodeKey(admin, k)) },
  };
}

const forged = (): string => nodeKeyText(newNodeKey());

describe('attack: two spellings of one field', () => {
  it('"key" after a signed "Key" hands Go the forged key: the peer is dropped', () => {
    const { key, peer } = signed(1);
    const evil = forged();
    const daemon = node();
    const v = daemon.receive({ Peers: [{ ...peer, key: evil }] });
    expect(daemon.unfiltered.keys()).toEqual([evil]);
    expect(daemon.filtered.keys()).toEqual([]);
    expect(v.dropped).toMatchObject([{ id: 1, reason: 'MALFORMED_PEER' }]);
    expect(v.dropped[0]!.detail).toMatch(/"Key" and "key" are one field to Go/);

    const twin = node();
    twin.receive({ Peers: [peer] });
    expect(twin.filtered.keys()).toEqual([key]);
  });

  it('a key spelled with KELVIN SIGN (U+212A) is Key to Go: the peer is dropped', () => {
    const { key, peer } = signed(1);
    const evil = forged();
    const daemon = node();
    const v = daemon.receive({ Peers: [{ ...peer, '\u212aey': evil }] });
    expect(daemon.unfiltered.keys()).toEqual([evil]);
    expect(daemon.filtered.keys()).toEqual([]);
    expect(v.dropped[0]!.detail).toMatch(/character that Go may read as a Latin letter/);

    // The twin: a name with a letter Go never folds into ASCII ("é") is no field at all.
    const twin = node();
    const v2 = twin.receive({ Peers: [{ ...peer, 'K\u00e9y': evil }] });
    expect(v2.dropped).toEqual([]);
    expect(twin.filtered.keys()).toEqual([key]);
    expect(twin.unfiltered.keys()).toEqual([key]);
  });

  it('"unsignedPeerAPIOnly": false after "UnsignedPeerAPIOnly": true makes an unchecked peer a full one: dropped', () => {
    const unsigned = forged();
    const evil = { ID: 2, Key: unsigned, UnsignedPeerAPIOnly: true, unsignedPeerAPIOnly: false };
    const daemon = node();
    daemon.receive({ Peers: [evil] });
    expect(daemon.unfiltered.peers.get(2)).toMatchObject({ Key: unsigned, UnsignedPeerAPIOnly: false });
    expect(daemon.unfiltered.unauthorised(stateTrusting(admin))).toHaveLength(1);
    expect(daemon.filtered.keys()).toEqual([]);

    const twin = node();
    twin.receive({ Peers: [{ ID: 2, Key: unsigned, UnsignedPeerAPIOnly: true }] });
    expect(twin.filtered.peers.get(2)).toMatchObject({ Key: unsigned, UnsignedPeerAPIOnly: true });
  });

  it('a second top-level "peers" replaces the whole list to Go: the response gets an error', () => {
    const first = signed(1);
    const daemon = node();
    daemon.receive({ Peers: [first.peer] });
    const evil = { ID: 9, Key: forged() };
    expectTlockError(() => daemon.receive({ Peers: [signed(2).peer], peers: [evil] }), 'DECODE');
    expect(daemon.unfiltered.keys()).toEqual([evil.Key]);
    expect(daemon.filtered.keys()).toEqual([first.key]); // the daemon got nothing from it

    const second = signed(2);
    daemon.receive({ Peers: [second.peer] });
    expect(daemon.filtered.keys()).toEqual([second.key]);
  });

  it('a patch with "key" after "Key" re-keys the node to Go: the patch is dropped', () => {
    const { key, peer } = signed(1);
    const daemon = node();
    daemon.receive({ Peers: [peer] });
    const evil = forged();
    const v = daemon.receive({ PeersChangedPatch: [{ NodeID: 1, Key: key, key: evil }] });
    expect(daemon.unfiltered.keys()).toEqual([evil]);
    expect(daemon.filtered.keys()).toEqual([key]);
    expect(v.netmap.PeersChangedPatch).toEqual([]);
    expect(v.dropped).toMatchObject([{ id: 1, reason: 'MALFORMED_PEER' }]);

    const twin = daemon.receive({ PeersChangedPatch: [{ NodeID: 1, Key: key, Online: true }] });
    expect(twin.netmap.PeersChangedPatch).toEqual([{ NodeID: 1, Key: key, Online: true }]);
    expect(daemon.filtered.peers.get(1)).toMatchObject({ Key: key, Online: true });
  });

  it('fields in another case, spelled once, are read as Go reads them', () => {
    const k = newNodeKey();
    const sig = b64(signNodeKey(admin, k));
    const daemon = node();
    const v = daemon.receive({ peers: [{ id: 3, key: nodeKeyText(k), keysignature: sig }] });
    expect(v.dropped).toEqual([]);
    expect(daemon.filtered.keys()).toEqual([nodeKeyText(k)]);
    const other = daemon.receive({ PEERS: [{ id: 4, KEY: forged(), keySignature: sig }] });
    expect(other.dropped).toMatchObject([{ id: 4, reason: 'WRONG_NODE_KEY' }]);
    expect(daemon.filtered.keys()).toEqual([]);
  });
});
