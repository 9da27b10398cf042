import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { MAX_NETMAP_PEERS } from '../../src/limits.js';
import { SigKind, decodeNodeKeySignature, encodeNodeKeySignature } from '../../src/model/nks.js';
import { cloneState } from '../../src/model/state.js';
import type { Netmap } from '../../src/netmap/types.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { createCredential, signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { resignNodeKey } from '../../src/signing/rotation.js';
import {
  b64,
  forgeRotation,
  newNodeKey,
  nodeKeyText,
  signedBytes,
  stateTrusting,
  tailscaleZeroWrappedDirect,
} from '../nks-fixtures.js';
import { expectTlockError } from '../support/tlock-error.js';
import { type FakeAuthority, deepFreeze, peer } from './fixtures.js';

const admin = generateSigningKey();
const admin2 = generateSigningKey();
const stranger = generateSigningKey();
const nodeTL = generateSigningKey();

function world(): { authority: FakeAuthority; verifier: NetmapVerifier } {
  const authority = { head: 'HEAD1', state: stateTrusting(admin, admin2) };
  return { authority, verifier: new NetmapVerifier(authority) };
}

const ids = (peers: unknown): unknown[] => (peers as Record<string, unknown>[]).map((p) => p['ID']);
const reasons = (v: { dropped: { id?: unknown; reason: string }[] }) =>
  v.dropped.map((d) => [d.id, d.reason]);

describe('NetmapVerifier on a full netmap', () => {
  it('keeps authorised peers, drops the rest with a stable reason, and leaves everything else untouched', () => {
    const { verifier, authority } = world();
    const keys = Array.from({ length: 10 }, newNodeKey);
    const forged = forgeRotation(tailscaleZeroWrappedDirect(admin, keys[8]!), new Uint8Array(32));
    const resp = deepFreeze({
      Domain: 'example.ts.net',
      DERPMap: { Regions: { 1: { RegionID: 1 } } },
      TKAInfo: { Head: 'HEAD1' },
      Peers: [
        peer(1, keys[0]!, signNodeKey(admin, keys[0]!), { Endpoints: ['192.0.2.1:41641'] }),
        peer(2, keys[1]!), // no signature
        peer(3, keys[2]!, signNodeKey(stranger, keys[2]!)),
        peer(4, keys[3]!, signNodeKey(admin, keys[9]!)), // someone else's signature
        peer(5, keys[4]!, Uint8Array.of(0xa1, 0x01)), // not a node-key signature
        peer(6, forged.nodeKey, encodeNodeKeySignature(forged.nks)),
        peer(7, keys[6]!, signNodeKey(admin2, keys[6]!)),
        { ID: 8, Name: 'no-key' },
        peer(9, keys[7]!, undefined, { UnsignedPeerAPIOnly: true }),
      ],
    });
    const before = JSON.stringify(resp);
    const v = verifier.filter(resp);
    expect(JSON.stringify(resp)).toBe(before);
    expect(ids(v.netmap.Peers)).toEqual([1, 7, 9]);
    expect((v.netmap.Peers as unknown[])[0]).toBe(resp.Peers[0]); // peers are not copied
    expect(reasons(v)).toEqual([
      [2, 'MISSING_SIGNATURE'],
      [3, 'UNTRUSTED_KEY'],
      [4, 'WRONG_NODE_KEY'],
      [5, 'MALFORMED_SIGNATURE'],
      [6, 'SMALL_ORDER_WRAPPING_KEY'],
      [8, 'MALFORMED_PEER'],
    ]);
    expect(v.dropped[0]).toEqual({
      key: nodeKeyText(keys[1]!),
      id: 2,
      name: 'node2.example.ts.net.',
      reason: 'MISSING_SIGNATURE',
      detail: 'the peer has no KeySignature',
    });
    for (const f of ['Domain', 'DERPMap', 'TKAInfo'] as const) expect(v.netmap[f]).toBe(resp[f]);
    expect('selfLockedOut' in v).toBe(false);
    expect(authority.head).toBe('HEAD1');
  });

  it('TKAInfo never turns filtering off', () => {
    const { verifier } = world();
    const k = newNodeKey();
    for (const TKAInfo of [{ Disabled: true }, { Head: '' }, null]) {
      const v = verifier.filter({ TKAInfo, Peers: [peer(1, k)] });
      expect(v.netmap.Peers).toEqual([]);
      expect(v.netmap.TKAInfo).toBe(TKAInfo);
    }
  });

  it('reports the key in lower case whatever case it arrived in', () => {
    const { verifier } = world();
    const k = newNodeKey();
    const upper = 'nodekey:' + Buffer.from(k).toString('hex').toUpperCase();
    const v = verifier.filter({ Peers: [{ ID: 1, Key: upper }] });
    expect(v.dropped[0]!.key).toBe(nodeKeyText(k));
    const ok = verifier.filter({ Peers: [{ ID: 1, Key: upper, KeySignature: b64(signNodeKey(admin, k)) }] });
    expect(ok.dropped).toEqual([]);
  });
});

describe('NetmapVerifier: keys made obsolete by rotation (docs/FORMAT.md §10)', () => {
  const [k1, k2, k3, k4, k5] = Array.from({ length: 5 }, newNodeKey);
  const d1 = signNodeKey(admin, k1!, { wrappingPubkey: nodeTL.publicKey });
  const r2 = resignNodeKey(nodeTL, k2!, d1);

  it('drops a node key listed as a previous key of another peer’s rotation', () => {
    const { verifier } = world();
    const v = verifier.filter({ Peers: [peer(1, k1!, d1), peer(2, k2!, r2)] });
    expect(ids(v.netmap.Peers)).toEqual([2]);
    expect(reasons(v)).toEqual([[1, 'OBSOLETE_ROTATION']]);
    expect(v.dropped[0]!.detail).toContain(nodeKeyText(k2!));
  });

  it('also drops an UnsignedPeerAPIOnly peer whose key is obsolete, as Tailscale does', () => {
    const { verifier } = world();
    const v = verifier.filter({
      Peers: [peer(1, k1!, undefined, { UnsignedPeerAPIOnly: true }), peer(2, k2!, r2)],
    });
    expect(reasons(v)).toEqual([[1, 'OBSOLETE_ROTATION']]);
  });

  it('of clones rotated from one direct signature, keeps the longest chain', () => {
    const { verifier } = world();
    const longer = resignNodeKey(nodeTL, k4!, resignNodeKey(nodeTL, k5!, d1)); // prev [k5, k1]
    const v = verifier.filter({ Peers: [peer(2, k2!, r2), peer(4, k4!, longer)] });
    expect(ids(v.netmap.Peers)).toEqual([4]);
    expect(reasons(v)).toEqual([[2, 'OBSOLETE_ROTATION']]);
    expect(v.dropped[0]!.detail).toMatch(/superseded/);
  });

  it('on a tie between the longest chains, refuses every clone', () => {
    const { verifier } = world();
    const r3 = resignNodeKey(nodeTL, k3!, d1); // prev [k1], like r2
    const v = verifier.filter({
      Peers: [peer(2, k2!, r2), peer(3, k3!, r3), peer(9, k5!, signNodeKey(admin, k5!))],
    });
    expect(ids(v.netmap.Peers)).toEqual([9]);
    expect(reasons(v)).toEqual([
      [2, 'OBSOLETE_ROTATION'],
      [3, 'OBSOLETE_ROTATION'],
    ]);
    expect(v.dropped[0]!.detail).toMatch(/^tie/);
    // The same two in the other order: still both refused.
    expect(verifier.filter({ Peers: [peer(3, k3!, r3), peer(2, k2!, r2)] }).netmap.Peers).toEqual([]);
  });

  it('a tie is decided after keys obsolete by rotation are set aside', () => {
    const { verifier } = world();
    // k3's chain lists k2 as previous, so k2 leaves the group; k3 (2 previous) ties with k4 (2 previous).
    const r3 = resignNodeKey(nodeTL, k3!, r2);
    const r4 = resignNodeKey(nodeTL, k4!, resignNodeKey(nodeTL, k5!, d1));
    const v = verifier.filter({ Peers: [peer(2, k2!, r2), peer(3, k3!, r3), peer(4, k4!, r4)] });
    expect(reasons(v)).toEqual([
      [2, 'OBSOLETE_ROTATION'],
      [3, 'OBSOLETE_ROTATION'],
      [4, 'OBSOLETE_ROTATION'],
    ]);
    expect(v.dropped[0]!.detail).toMatch(/^rotated away/);
    expect(v.dropped[1]!.detail).toMatch(/^tie/);
  });

  it('exempts chains from a credential: many nodes join with one reusable auth key', () => {
    const { verifier } = world();
    const { credential, privateKey } = createCredential(admin);
    const cred = decodeNodeKeySignature(credential);
    const v = verifier.filter({
      Peers: [
        peer(1, k1!, signByCredential(privateKey, cred, k1!)),
        peer(2, k2!, signByCredential(privateKey, cred, k2!)),
      ],
    });
    expect(ids(v.netmap.Peers)).toEqual([1, 2]);
  });

  it('is applied on deltas too, as Tailscale rebuilds its netmap for them', () => {
    const { verifier } = world();
    verifier.filter({ Peers: [peer(2, k2!, r2)] });
    const v = verifier.filter({ PeersChanged: [peer(1, k1!, d1)] });
    expect(ids(v.netmap.PeersChanged)).toEqual([]);
    expect(v.netmap.PeersRemoved).toEqual([1]);
    expect(reasons(v)).toEqual([[1, 'OBSOLETE_ROTATION']]);
  });

  it('a patch that rotates one peer removes the peer whose key it rotated away (passed on before)', () => {
    const { verifier } = world();
    const full = verifier.filter({ Peers: [peer(1, k1!, d1), peer(2, k3!, signNodeKey(admin, k3!))] });
    expect(ids(full.netmap.Peers)).toEqual([1, 2]);
    // Node 2 now claims a rotation chain that lists node 1's key k1 as its previous key.
    const v = verifier.filter({
      PeersChangedPatch: [{ NodeID: 2, Key: nodeKeyText(k2!), KeySignature: b64(r2) }],
    });
    expect(v.netmap.PeersChangedPatch).toEqual([{ NodeID: 2, Key: nodeKeyText(k2!), KeySignature: b64(r2) }]);
    expect(v.netmap.PeersRemoved).toEqual([1]);
    expect(reasons(v)).toEqual([[1, 'OBSOLETE_ROTATION']]);
    expect(v.dropped[0]!.detail).toMatch(/^no longer authorised: rotated away/);
  });

  it('a patch giving a node a key another peer rotated away from is refused', () => {
    const { verifier } = world();
    verifier.filter({ Peers: [peer(2, k2!, r2), peer(3, k3!, signNodeKey(admin, k3!))] });
    const v = verifier.filter({
      PeersChangedPatch: [{ NodeID: 3, Key: nodeKeyText(k1!), KeySignature: b64(d1) }],
    });
    expect(v.netmap.PeersChangedPatch).toEqual([]);
    expect(v.netmap.PeersRemoved).toEqual([3]);
    expect(reasons(v)).toEqual([[3, 'OBSOLETE_ROTATION']]);
  });
});

describe('NetmapVerifier on deltas', () => {
  const [k1, k2, k3, k4] = Array.from({ length: 4 }, newNodeKey);

  it('PeersChanged: a refused upsert is removed and its node ID added to PeersRemoved', () => {
    const { verifier } = world();
    const resp = deepFreeze({
      PeersChanged: [
        peer(10, k1!, signNodeKey(admin, k1!)),
        peer(11, k2!),
        peer(12, k3!, signNodeKey(admin, k1!)),
        'junk',
        { Key: nodeKeyText(k4!) }, // no ID: node 0 to Go
        peer(13, k4!, undefined, { UnsignedPeerAPIOnly: true }),
      ],
      PeersRemoved: [3, 11],
    });
    const v = verifier.filter(resp);
    expect(ids(v.netmap.PeersChanged)).toEqual([10, 13]);
    expect(v.netmap.PeersRemoved).toEqual([3, 11, 12, 0]);
    expect(reasons(v)).toEqual([
      [undefined, 'MALFORMED_PEER'],
      [11, 'MISSING_SIGNATURE'],
      [12, 'WRONG_NODE_KEY'],
      [0, 'MISSING_SIGNATURE'],
    ]);
    expect(v.dropped[1]!.detail).toMatch(/^delta upsert/);
  });

  it('PeersChangedPatch: a patch setting Key or KeySignature is checked as the node it makes', () => {
    const { verifier } = world();
    const d1 = signNodeKey(admin, k1!, { wrappingPubkey: nodeTL.publicKey });
    const node2 = peer(2, k2!, signNodeKey(admin, k2!));
    verifier.filter({ Peers: [peer(1, k1!, d1), node2, peer(3, k3!, signNodeKey(admin, k3!))] });
    const k5 = newNodeKey();
    const resp = deepFreeze({
      PeersChangedPatch: [
        { NodeID: 1, KeySignature: b64(Uint8Array.of(1, 2, 3)) }, // garbage signature
        { NodeID: 2, Key: nodeKeyText(k4!) }, // new key, old signature: does not cover it
        { NodeID: 3, Online: true, DERPRegion: 2 }, // changes no verdict
        { NodeID: 5, Key: nodeKeyText(k5), KeySignature: b64(signNodeKey(admin, k5)) }, // unknown: Go skips it
        { NodeID: 6, KeySignature: '' }, // unknown too
      ],
    });
    const v = verifier.filter(resp);
    expect(v.netmap.PeersChangedPatch).toEqual([{ NodeID: 3, Online: true, DERPRegion: 2 }]);
    expect(v.netmap.PeersRemoved).toEqual([1, 2]);
    expect(reasons(v)).toEqual([
      [1, 'MALFORMED_SIGNATURE'],
      [2, 'WRONG_NODE_KEY'],
    ]);
    expect(v.dropped[0]!.detail).toMatch(/^patch/);
    // Patches merge with what the server said before: node 2 now claims k4; a signature for k4
    // authorises it, and the daemon (which no longer holds node 2) gets the whole node again.
    const fix = verifier.filter({
      PeersChangedPatch: [{ NodeID: 2, KeySignature: b64(signNodeKey(admin, k4!)) }],
    });
    expect(fix.dropped).toEqual([]);
    expect(fix.netmap.PeersChangedPatch).toEqual([]);
    expect(fix.netmap.PeersChanged).toEqual([
      { ...node2, Key: nodeKeyText(k4!), KeySignature: b64(signNodeKey(admin, k4!)) },
    ]);
    // A patch clearing a held node's signature evicts it.
    expect(reasons(verifier.filter({ PeersChangedPatch: [{ NodeID: 2, KeySignature: '' }] }))).toEqual([
      [2, 'MISSING_SIGNATURE'],
    ]);
    // Node 1 rotates with a signature its own TL key made: sent again, whole.
    const k6 = newNodeKey();
    const rot = verifier.filter({
      PeersChangedPatch: [
        { NodeID: 1, Key: nodeKeyText(k6), KeySignature: b64(resignNodeKey(nodeTL, k6, d1)) },
      ],
    });
    expect(rot.dropped).toEqual([]);
    expect(ids(rot.netmap.PeersChanged)).toEqual([1]);
    // Removed nodes are forgotten: a patch for node 3 after its removal is skipped, as Go skips it.
    verifier.filter({ PeersRemoved: [3] });
    const after = verifier.filter({
      PeersChangedPatch: [{ NodeID: 3, KeySignature: b64(signNodeKey(admin, k5)) }],
    });
    expect(after.dropped).toEqual([]);
    expect(after.netmap.PeersChangedPatch).toEqual([]);
  });

  it('passes on only the fields a patch carries to Go (tailcfg.PeerChange), under their own names', () => {
    const { verifier } = world();
    verifier.filter({ Peers: [peer(1, k1!, signNodeKey(admin, k1!))] });
    const v = verifier.filter({
      PeersChangedPatch: [
        { nodeid: 1, endpoints: ['192.0.2.9:41641'], UnsignedPeerAPIOnly: true, ID: 7, Cap: 0 },
      ],
    });
    expect(v.netmap.PeersChangedPatch).toEqual([{ NodeID: 1, Endpoints: ['192.0.2.9:41641'] }]);
  });

  it('a bypass attempt: re-keying a signed peer to an unsigned key evicts it', () => {
    const { verifier } = world();
    verifier.filter({ Peers: [peer(1, k1!, signNodeKey(admin, k1!))] });
    const attacker = newNodeKey();
    const v = verifier.filter({
      PeersChangedPatch: [{ NodeID: 1, Key: nodeKeyText(attacker), KeySignature: null }],
    });
    expect(v.netmap.PeersChangedPatch).toEqual([]);
    expect(v.netmap.PeersRemoved).toEqual([1]);
    expect(reasons(v)).toEqual([[1, 'WRONG_NODE_KEY']]);
    const v2 = verifier.filter({ PeersChanged: [peer(1, attacker)] });
    expect(v2.netmap.PeersChanged).toEqual([]);
    expect(v2.netmap.PeersRemoved).toEqual([1]);
  });
});

describe('NetmapVerifier: this node', () => {
  it('is never removed; when its signature fails, says it is locked out and how to fix it', () => {
    const { verifier } = world();
    const self = newNodeKey();
    const node = deepFreeze({ ID: 99, Key: nodeKeyText(self), Name: 'me' });
    const v = verifier.filter({ Node: node, Peers: [] });
    expect(v.netmap.Node).toBe(node);
    expect(v.selfLockedOut).toMatch(/locked out/);
    expect(v.selfLockedOut).toContain(`tlock sign nodekey ${nodeKeyText(self)}`);
    expect(v.dropped).toEqual([]);
    const ok = verifier.filter({ Node: { ...node, KeySignature: b64(signNodeKey(admin, self)) } });
    expect(ok.selfLockedOut).toBeUndefined();
  });
});

describe('NetmapVerifier on hostile input', () => {
  it('throws DECODE for a map response that is not an object, or whose lists are not arrays', () => {
    const { verifier, authority } = world();
    const before = cloneState(authority.state);
    for (const bad of [null, undefined, 'x', 42, [], [{}]])
      expectTlockError(() => verifier.filter(bad as never), 'DECODE');
    for (const field of ['Peers', 'PeersChanged', 'PeersRemoved', 'PeersChangedPatch']) {
      for (const value of ['x', 1, {}, true])
        expectTlockError(() => verifier.filter({ [field]: value }), 'DECODE');
    }
    expect(authority.state).toEqual(before);
    expect(authority.head).toBe('HEAD1');
  });

  it('throws LIMIT for a list longer than any tailnet', () => {
    const { verifier } = world();
    expectTlockError(
      () => verifier.filter({ Peers: new Array<null>(MAX_NETMAP_PEERS + 1).fill(null) }),
      'LIMIT',
    );
  });

  it('turns junk entries into drops, never a crash', () => {
    const { verifier } = world();
    const k = newNodeKey();
    const credentialOnly = signedBytes(admin, { sigKind: SigKind.Credential, keyID: admin.publicKey });
    const junk: unknown[] = [
      1,
      'peer',
      null,
      [],
      true,
      { Key: 5 },
      { Key: 'nodekey:zz' },
      { Key: 'nodekey:' + '0'.repeat(63) },
      { Key: nodeKeyText(k), KeySignature: 5 },
      { Key: nodeKeyText(k), KeySignature: ['AA=='] },
      { Key: nodeKeyText(k), KeySignature: '!!!!' },
      { Key: nodeKeyText(k), KeySignature: 'AAAA' },
      { Key: nodeKeyText(k), KeySignature: 'AAA' },
      { Key: nodeKeyText(k), KeySignature: 'x'.repeat(100_000) },
      { Key: nodeKeyText(k), KeySignature: b64(credentialOnly) },
      { ID: 'x', Key: nodeKeyText(k) },
      { ID: 2 ** 60, Key: nodeKeyText(k) },
      { ID: 1.5, Key: nodeKeyText(k) },
      { UnsignedPeerAPIOnly: 'yes', Key: nodeKeyText(k) },
      JSON.parse('{"__proto__": {"polluted": 1}, "Key": 7}') as unknown,
    ].map((e, i) =>
      typeof e === 'object' && e !== null && !Array.isArray(e) && !('ID' in e) ? { ID: i, ...e } : e,
    );
    const v = verifier.filter({ Peers: junk });
    expect(v.netmap.Peers).toEqual([]);
    expect(v.dropped.map((d) => d.reason)).toEqual([
      ...new Array<string>(8).fill('MALFORMED_PEER'),
      ...new Array<string>(7).fill('MALFORMED_SIGNATURE'),
      ...new Array<string>(5).fill('MALFORMED_PEER'),
    ]);
    const d = verifier.filter({ PeersChanged: junk, PeersChangedPatch: junk, PeersRemoved: junk });
    expect(d.netmap.PeersChanged).toEqual([]);
    expect(d.netmap.PeersChangedPatch).toEqual([]);
    // Only node IDs: the junk's own (1, and null, which Go reads as node 0), then the refused upserts'.
    const removed = d.netmap.PeersRemoved as unknown[];
    expect(removed.slice(0, 2)).toEqual([1, 0]);
    expect(removed.every((id) => Number.isSafeInteger(id))).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a full list leaves every delta list out (Go ignores them beside it)', () => {
    const { verifier } = world();
    const k = newNodeKey();
    const v = verifier.filter({
      Peers: [peer(1, k, signNodeKey(admin, k))],
      PeersChanged: [peer(2, newNodeKey())],
      PeersRemoved: [1],
      PeersChangedPatch: [{ NodeID: 1, Online: true }],
      OnlineChange: { 1: true },
    });
    expect(Object.keys(v.netmap)).toEqual(['Peers']);
    expect(v.dropped).toEqual([]);
  });

  it('passes an own "__proto__" field through as data', () => {
    const { verifier } = world();
    const resp = JSON.parse('{"__proto__": {"x": 1}, "Peers": []}') as Netmap;
    const out = verifier.filter(resp).netmap;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: 1 });
  });

  it('refuses a bad authority or options with INVALID_ARGUMENT', () => {
    expectTlockError(() => new NetmapVerifier(null as never), 'INVALID_ARGUMENT');
    expectTlockError(() => new NetmapVerifier(world().authority, { cacheSize: -1 }), 'INVALID_ARGUMENT');
    expectTlockError(() => new NetmapVerifier({} as never).filter({}), 'INVALID_ARGUMENT');
  });
});

describe('NetmapVerifier cache', () => {
  it('is invalidated by a head change: after a key removal, peers it signed are dropped', () => {
    const { verifier, authority } = world();
    const [k1, k2] = [newNodeKey(), newNodeKey()];
    const resp = deepFreeze({
      Peers: [peer(1, k1, signNodeKey(admin, k1)), peer(2, k2, signNodeKey(admin2, k2))],
    });
    expect(ids(verifier.filter(resp).netmap.Peers)).toEqual([1, 2]);
    authority.head = 'HEAD2';
    authority.state = stateTrusting(admin2);
    const v = verifier.filter(resp);
    expect(ids(v.netmap.Peers)).toEqual([2]);
    expect(reasons(v)).toEqual([[1, 'UNTRUSTED_KEY']]);
    // And back: re-adding the key (a new head) lets the peer in again.
    authority.head = 'HEAD3';
    authority.state = stateTrusting(admin, admin2);
    expect(ids(verifier.filter(resp).netmap.Peers)).toEqual([1, 2]);
  });

  it('after a head change, the next delta (even a harmless patch) removes peers the new state refuses', () => {
    const { verifier, authority } = world();
    const [k1, k2] = [newNodeKey(), newNodeKey()];
    verifier.filter({ Peers: [peer(1, k1, signNodeKey(admin, k1)), peer(2, k2, signNodeKey(admin2, k2))] });
    authority.head = 'HEAD2';
    authority.state = stateTrusting(admin2);
    const v = verifier.filter({ PeersChangedPatch: [{ NodeID: 2, Online: true }] });
    expect(v.netmap.PeersRemoved).toEqual([1]);
    expect(reasons(v)).toEqual([[1, 'UNTRUSTED_KEY']]);
    expect(v.netmap.PeersChangedPatch).toEqual([{ NodeID: 2, Online: true }]);
    // Reported once: the next response says nothing more about node 1.
    expect(verifier.filter({ PeersChangedPatch: [{ NodeID: 2, Online: false }] }).dropped).toEqual([]);
  });

  it('a peer refused earlier is sent when the authority comes to trust its signer, patches included', () => {
    const { verifier, authority } = world();
    const k = newNodeKey();
    const byStranger = peer(7, k, signNodeKey(stranger, k));
    expect(reasons(verifier.filter({ Peers: [byStranger] }))).toEqual([[7, 'UNTRUSTED_KEY']]);
    verifier.filter({ PeersChangedPatch: [{ NodeID: 7, Endpoints: ['10.0.0.1:41641'], DERPRegion: 3 }] });
    authority.head = 'HEAD2';
    authority.state = stateTrusting(admin, stranger);
    const v = verifier.filter({ OnlineChange: { 7: true } });
    expect(v.dropped).toEqual([]);
    expect(v.netmap.PeersChanged).toEqual([{ ...byStranger, Endpoints: ['10.0.0.1:41641'], HomeDERP: 3 }]);
    // Once sent, not sent again.
    expect(
      verifier.filter({ PeersChangedPatch: [{ NodeID: 7, Online: true }] }).netmap.PeersChanged,
    ).toBeUndefined();
  });

  it('is keyed by the head: a verdict is reused while the head stays the same', () => {
    const { verifier, authority } = world();
    const k = newNodeKey();
    const resp = { Peers: [peer(1, k, signNodeKey(admin, k))] };
    verifier.filter(resp);
    authority.state = stateTrusting(admin2); // not how a real authority changes: shows the cache is in use
    expect(ids(verifier.filter(resp).netmap.Peers)).toEqual([1]);
    expect(ids(new NetmapVerifier(authority).filter(resp).netmap.Peers)).toEqual([]);
  });

  it('gives the same verdicts when far smaller than the netmap, and with one signature shown for two keys', () => {
    const { authority } = world();
    const keys = Array.from({ length: 6 }, newNodeKey);
    const sig = signNodeKey(admin, keys[0]!);
    const resp = {
      Peers: [
        ...keys.map((k, i) => peer(i, k, signNodeKey(admin, k))),
        peer(6, keys[1]!, sig),
        peer(7, keys[0]!, sig),
      ],
    };
    const tiny = new NetmapVerifier(authority, { cacheSize: 2 });
    const none = new NetmapVerifier(authority, { cacheSize: 0 });
    for (let i = 0; i < 3; i++) {
      const v = tiny.filter(resp);
      expect(v).toEqual(none.filter(resp));
      expect(ids(v.netmap.Peers)).toEqual([0, 1, 2, 3, 4, 5, 7]);
    }
  });
});
