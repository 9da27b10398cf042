import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as ed from '@noble/ed25519';
import {
  Authority,
  type AumStore,
  MemoryStore,
  type Netmap,
  type SigningKey,
  decodeNodeKeySignature,
  encodeBase64,
  encodeNodeKeySignature,
  formatNodeKey,
  nodeKeySignatureSigHash,
  signNodeKey,
  signingKeyFromPrivate,
} from '../src/index.js';

/** What the node-key signature floor needs for one peer: the signer's public key, the sig-hash and the signature. */
export interface RawSignature {
  public: Uint8Array;
  sigHash: Uint8Array;
  signature: Uint8Array;
}

export interface NetmapFixture {
  authority: Authority;
  admins: SigningKey[];
  netmap: Netmap;
  /** The same signatures as the netmap's, for the floor (decoded ahead of time, not timed). */
  raw: RawSignature[];
}

/*
 * Keys come from random bytes, not generateSigningKey: node 20's generateKeyPairSync followed by
 * a JWK export deadlocks when a GC lands inside the export (a few thousand keys in, measured).
 * Node keys and rotation keys need only be 32 bytes here; the admins are real signing keys.
 */
const randomNodeKey = (): Uint8Array => new Uint8Array(randomBytes(32));
const newAdmin = (): SigningKey => signingKeyFromPrivate(new Uint8Array(randomBytes(32)));

/** A peer entry shaped like a Tailscale map response's, direct-signed by `admin` with a rotation key. */
function signedPeer(id: number, admin: SigningKey): Record<string, unknown> {
  const nodeKey = randomNodeKey();
  const sig = signNodeKey(admin, nodeKey, { wrappingPubkey: randomNodeKey() });
  return {
    ID: id,
    StableID: `n${id.toString(36)}CNTRL`,
    Name: `node-${id}.tail1234.ts.net.`,
    User: 1000 + (id % 17),
    Key: formatNodeKey(nodeKey),
    KeyExpiry: '2027-01-01T00:00:00Z',
    KeySignature: encodeBase64(sig),
    Machine: `mkey:${Buffer.from(randomNodeKey()).toString('hex')}`,
    DiscoKey: `discokey:${Buffer.from(randomNodeKey()).toString('hex')}`,
    Addresses: [`100.64.${(id >> 8) & 255}.${id & 255}/32`],
    AllowedIPs: [`100.64.${(id >> 8) & 255}.${id & 255}/32`],
    Endpoints: [`198.51.100.${id % 250}:41641`],
    HomeDERP: 1 + (id % 20),
    Online: true,
  };
}

function rawOf(peer: Record<string, unknown>, admins: readonly SigningKey[]): RawSignature {
  const nks = decodeNodeKeySignature(Buffer.from(peer['KeySignature'] as string, 'base64'));
  const admin = admins.find((a) => Buffer.from(a.publicKey).equals(Buffer.from(nks.keyID!)))!;
  return { public: admin.publicKey, sigHash: nodeKeySignatureSigHash(nks), signature: nks.signature! };
}

/** An authority trusting two admin keys (in `store`, a MemoryStore by default), and a full netmap of `peers` direct-signed peers (by both admins in turn). */
export async function buildNetmapFixture(
  peers: number,
  store: AumStore = new MemoryStore(),
): Promise<NetmapFixture> {
  const admins = [newAdmin(), newAdmin()];
  const { authority } = await Authority.create(
    store,
    {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32).fill(7)],
      keys: admins.map((a) => ({ kind: 1, votes: 1, public: a.publicKey })),
    },
    admins[0]!,
  );
  return { authority, admins, ...signedNetmap(admins, peers) };
}

/** A full netmap of `peers` fresh direct-signed peers (new node keys, new signatures) and their raw signatures. */
export function signedNetmap(
  admins: readonly SigningKey[],
  peers: number,
): { netmap: Netmap; raw: RawSignature[] } {
  const list: Record<string, unknown>[] = [];
  for (let i = 0; i < peers; i++) list.push(signedPeer(i + 1, admins[i % admins.length]!));
  const self = signedPeer(0, admins[0]!);
  const netmap: Netmap = { Node: self, Peers: list, Domain: 'tail1234.ts.net' };
  return { netmap, raw: list.map((p) => rawOf(p, admins)) };
}

/**
 * The same netmap with `fraction` of its peers re-keyed (new node keys and new signatures, as
 * after node-key rotation or re-authentication); the other entries are the same objects.
 */
export function withChangedPeers(fixture: NetmapFixture, fraction: number): Netmap {
  const peers = fixture.netmap.Peers as Record<string, unknown>[];
  const every = Math.round(1 / fraction);
  const changed = peers.map((p, i) => {
    if (i % every !== every - 1) return p;
    const fresh = signedPeer(p['ID'] as number, fixture.admins[i % fixture.admins.length]!);
    return { ...p, Key: fresh['Key'], KeySignature: fresh['KeySignature'] };
  });
  return { ...fixture.netmap, Peers: changed };
}

/** A point of order 8: added to a signature's R, it makes the "crafted R" a hostile server can produce. */
const TORSION = new Uint8Array(
  Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
);

type PointAdd = (out: Uint8Array, p: Uint8Array, q: Uint8Array) => void;

function pointAdder(): PointAdd {
  try {
    const sodium = createRequire(import.meta.url)('sodium-native') as {
      crypto_core_ed25519_add(out: Uint8Array, p: Uint8Array, q: Uint8Array): void;
    };
    return (out, p, q) => sodium.crypto_core_ed25519_add(out, p, q);
  } catch {
    return (out, p, q) => out.set(ed.Point.fromBytes(p, true).add(ed.Point.fromBytes(q, true)).toBytes());
  }
}

/**
 * The hostile twin of a netmap: every peer keeps its key, but its signature's R gets a torsion
 * component, which a server can do to any signature without a private key. The result verifies
 * nowhere, and proving that with an exact ZIP-215 check costs ~1 ms a peer.
 */
export function withCraftedR(fixture: NetmapFixture): Netmap {
  const add = pointAdder();
  const peers = (fixture.netmap.Peers as Record<string, unknown>[]).map((p) => {
    const nks = decodeNodeKeySignature(Buffer.from(p['KeySignature'] as string, 'base64'));
    const sig = nks.signature!.slice();
    add(sig.subarray(0, 32), nks.signature!.subarray(0, 32), TORSION);
    return { ...p, KeySignature: encodeBase64(encodeNodeKeySignature({ ...nks, signature: sig })) };
  });
  return { ...fixture.netmap, Peers: peers };
}
