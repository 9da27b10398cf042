import type { SigningKey } from '../../src/crypto/ed25519.js';
import type { State } from '../../src/model/state.js';
import type { AuthorityView, Netmap, NetmapVerdict } from '../../src/netmap/types.js';
import { NetmapVerifier, type NetmapVerifierOptions } from '../../src/netmap/verifier.js';
import { nodeKeyAuthorizedInState } from '../../src/signing/node-key-authorization.js';
import { stateTrusting } from '../nks-fixtures.js';

/*
 * A small model of a node daemon that applies map responses as Tailscale's client does
 * (controlclient/map.go: patchifyPeersChanged, then updatePeersStateFromResponse), reading JSON
 * as Go's encoding/json reads it into tailcfg types. It is written from Tailscale's rules alone,
 * independently of src/netmap, so that the attack tests can ask: what does the daemon hold?
 *
 * - Object keys match field names case-insensitively (Go 1.21+: each rune upper(lower(r)), so
 *   K KELVIN SIGN, ſ, ı and İ fold to K, S, I and I); the last matching key wins.
 * - null leaves a value field (ID, Key, bool) unchanged and clears a pointer, slice or map.
 * - Values of the wrong type make the whole response fail to decode (it throws here).
 * - A non-empty Peers replaces every node (last entry per ID wins) and nothing else is applied;
 *   otherwise PeersRemoved, then PeersChanged, then PeersChangedPatch (plus the PeersChanged
 *   entries that patchify turned into patches, after them); patches for unknown nodes are skipped.
 */

/** A node as the daemon holds it: the tailcfg.Node fields by their Go names. */
export type DaemonNode = Record<string, unknown> & {
  ID: number;
  Key: string;
  KeySignature: Uint8Array | null;
  UnsignedPeerAPIOnly: boolean;
};

const ZERO_KEY = 'nodekey:' + '0'.repeat(64);

/** tailcfg.Node's JSON field names (LegacyDERPString travels as "DERP"). */
const NODE_FIELDS = [
  'ID',
  'StableID',
  'Name',
  'User',
  'Sharer',
  'Key',
  'KeyExpiry',
  'KeySignature',
  'Machine',
  'DiscoKey',
  'Addresses',
  'AllowedIPs',
  'Endpoints',
  'DERP',
  'HomeDERP',
  'Hostinfo',
  'Created',
  'Cap',
  'Tags',
  'PrimaryRoutes',
  'LastSeen',
  'Online',
  'MachineAuthorized',
  'Capabilities',
  'CapMap',
  'UnsignedPeerAPIOnly',
  'ComputedName',
  'ComputedNameWithHost',
  'DataPlaneAuditLogID',
  'Expired',
  'SelfNodeV4MasqAddrForThisPeer',
  'SelfNodeV6MasqAddrForThisPeer',
  'IsWireGuardOnly',
  'IsJailed',
  'ExitNodeDNSResolvers',
];
/** tailcfg.PeerChange's fields. */
const PEER_CHANGE_FIELDS = [
  'NodeID',
  'DERPRegion',
  'Cap',
  'CapMap',
  'Endpoints',
  'Key',
  'KeySignature',
  'DiscoKey',
  'Online',
  'LastSeen',
  'KeyExpiry',
];
const RESPONSE_FIELDS = ['Node', 'Peers', 'PeersChanged', 'PeersRemoved', 'PeersChangedPatch', 'TKAInfo'];
/** Node fields a patch can change (peerChangeDiff): the others must be equal for a patch. */
const PATCHABLE = new Set([
  'Key',
  'KeyExpiry',
  'KeySignature',
  'DiscoKey',
  'Endpoints',
  'HomeDERP',
  'Cap',
  'CapMap',
  'Online',
  'LastSeen',
  'ComputedName',
  'ComputedNameWithHost',
]);

function goFold(name: string): string {
  let out = '';
  for (const ch of name) {
    if (ch === '\u212a') out += 'K';
    else if (ch === '\u017f') out += 'S';
    else if (ch === '\u0131' || ch === '\u0130') out += 'I';
    else out += ch.toLowerCase().toUpperCase();
  }
  return out;
}

/** The struct fields Go fills from `obj`: canonical name → value, the last matching key winning. */
function goFields(obj: Record<string, unknown>, fields: readonly string[]): Map<string, unknown> {
  const byFold = new Map(fields.map((f) => [goFold(f), f]));
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const field = byFold.get(goFold(k));
    if (field !== undefined) out.set(field, v);
  }
  return out;
}

class DecodeError extends Error {}

function int64(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new DecodeError(`${what}: not an int64`);
  return v + 0;
}

function nodeKey(v: unknown): string {
  if (typeof v !== 'string' || !/^nodekey:[0-9a-fA-F]{64}$/.test(v))
    throw new DecodeError(`bad key ${String(v)}`);
  return v.toLowerCase();
}

/** Go's base64.StdEncoding (CR and LF skipped, padding required). */
function bytes(v: unknown): Uint8Array {
  if (typeof v !== 'string') throw new DecodeError('[]byte: not a string');
  const s = v.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new DecodeError('[]byte: bad base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DecodeError(`${what}: not an object`);
  return v as Record<string, unknown>;
}

function list(v: unknown, what: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new DecodeError(`${what}: not an array`);
  return v;
}

/** A Node decoded into a fresh tailcfg.Node. */
function decodeNode(v: unknown): DaemonNode {
  const fields = goFields(asObject(v, 'Node'), NODE_FIELDS);
  const node: DaemonNode = { ID: 0, Key: ZERO_KEY, KeySignature: null, UnsignedPeerAPIOnly: false };
  for (const [f, value] of fields) {
    if (f === 'ID') {
      if (value !== null) node.ID = int64(value, 'ID');
    } else if (f === 'Key') {
      if (value !== null) node.Key = nodeKey(value);
    } else if (f === 'KeySignature') node.KeySignature = value === null ? null : bytes(value);
    else if (f === 'UnsignedPeerAPIOnly') {
      if (value !== null && typeof value !== 'boolean')
        throw new DecodeError('UnsignedPeerAPIOnly: not a bool');
      if (value !== null) node.UnsignedPeerAPIOnly = value;
    } else node[f] = value;
  }
  return node;
}

interface PeerChange {
  NodeID: number;
  [field: string]: unknown;
}

function decodePatch(v: unknown): PeerChange {
  const fields = goFields(asObject(v, 'PeerChange'), PEER_CHANGE_FIELDS);
  const pc: PeerChange = { NodeID: 0 };
  for (const [f, value] of fields) {
    if (value === null) delete pc[f];
    else if (f === 'NodeID') pc.NodeID = int64(value, 'NodeID');
    else if (f === 'Key') pc['Key'] = nodeKey(value);
    else if (f === 'KeySignature') pc['KeySignature'] = bytes(value);
    else pc[f] = value;
  }
  return pc;
}

const sameJSON = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** peerChangeDiff: the patch from `was` to `n`, or undefined when a field a patch cannot carry differs. */
function peerChangeDiff(was: DaemonNode, n: DaemonNode): PeerChange | undefined {
  for (const f of new Set([...Object.keys(was), ...Object.keys(n)])) {
    if (!PATCHABLE.has(f) && !sameJSON(was[f], n[f])) return undefined;
  }
  const pc: PeerChange = { NodeID: n.ID };
  if (was.Key !== n.Key) pc['Key'] = n.Key;
  if (!sameJSON(was.KeySignature, n.KeySignature) && n.KeySignature !== null)
    pc['KeySignature'] = n.KeySignature;
  if ((was['HomeDERP'] ?? 0) !== (n['HomeDERP'] ?? 0)) pc['DERPRegion'] = n['HomeDERP'] ?? 0;
  if (!sameJSON(was['Endpoints'], n['Endpoints']) && n['Endpoints'] !== undefined)
    pc['Endpoints'] = n['Endpoints'];
  if (was['Online'] !== undefined && n['Online'] !== undefined && was['Online'] !== n['Online'])
    pc['Online'] = n['Online'];
  return pc;
}

function applyPatch(node: DaemonNode, pc: PeerChange): DaemonNode {
  const out = { ...node };
  for (const [f, v] of Object.entries(pc)) {
    if (f === 'NodeID') continue;
    if ((f === 'DERPRegion' || f === 'Cap') && v === 0) continue;
    out[f === 'DERPRegion' ? 'HomeDERP' : f] = v;
  }
  return out;
}

/** The daemon: one map session's peers. */
export class DaemonModel {
  readonly peers = new Map<number, DaemonNode>();

  /** Applies one map response given as JSON text (what the hook writes); throws if Go could not decode it. */
  apply(json: string): void {
    const resp = goFields(asObject(JSON.parse(json) as unknown, 'MapResponse'), RESPONSE_FIELDS);
    const full = list(resp.get('Peers'), 'Peers').map(decodeNode);
    const changed = list(resp.get('PeersChanged'), 'PeersChanged').map(decodeNode);
    const removed = list(resp.get('PeersRemoved'), 'PeersRemoved').map((id) =>
      id === null ? 0 : int64(id, 'NodeID'),
    );
    const patches = list(resp.get('PeersChangedPatch'), 'PeersChangedPatch').map(decodePatch);
    // patchifyPeersChanged, against the peers held before this response.
    const upserts: DaemonNode[] = [];
    const patchified: PeerChange[] = [];
    for (const n of changed) {
      const was = this.peers.get(n.ID);
      const pc = was === undefined ? undefined : peerChangeDiff(was, n);
      if (pc === undefined) upserts.push(n);
      else patchified.push(pc);
    }
    if (full.length > 0) {
      this.peers.clear();
      for (const n of full) this.peers.set(n.ID, n);
      return;
    }
    for (const id of removed) this.peers.delete(id);
    for (const n of upserts) this.peers.set(n.ID, n);
    for (const pc of [...patches, ...patchified]) {
      const node = this.peers.get(pc.NodeID);
      if (node !== undefined) this.peers.set(pc.NodeID, applyPatch(node, pc));
    }
  }

  /** The lower-case node keys of the peers held. */
  keys(): string[] {
    return [...this.peers.values()].map((n) => n.Key);
  }

  /**
   * The peers held that the authority does not authorise: full peers whose signature fails for
   * their key, and API-only peers without a usable key. A filtered daemon must hold none.
   */
  unauthorised(state: State): DaemonNode[] {
    return [...this.peers.values()].filter((n) => {
      const key = new Uint8Array(Buffer.from(n.Key.slice(8), 'hex'));
      if (n.UnsignedPeerAPIOnly) return n.Key === ZERO_KEY;
      if (n.KeySignature === null) return true;
      try {
        nodeKeyAuthorizedInState(state, key, n.KeySignature);
        return false;
      } catch {
        return true;
      }
    });
  }
}

/**
 * A daemon behind the verifier, next to one without it: each response goes through JSON text as
 * it does through the hook, the verifier's output to `filtered`, the raw response to `unfiltered`
 * (which shows what an attack would do to a daemon that trusted it).
 */
export class FilteredDaemon {
  readonly filtered = new DaemonModel();
  readonly unfiltered = new DaemonModel();
  readonly verifier: NetmapVerifier;

  constructor(authority: AuthorityView, options: NetmapVerifierOptions = {}) {
    this.verifier = new NetmapVerifier(authority, options);
  }

  receive(resp: unknown): NetmapVerdict {
    const text = JSON.stringify(resp);
    try {
      this.unfiltered.apply(text);
    } catch {
      // Go could not decode it: an unfiltered daemon would apply nothing.
    }
    const verdict = this.verifier.filter(JSON.parse(text) as Netmap);
    this.filtered.apply(JSON.stringify(verdict.netmap));
    return verdict;
  }
}

/**
 * A filtered daemon whose authority trusts `admin` and `doomed` (head H1), and `revoke()`, which
 * moves that authority to H2, where only `admin` is trusted.
 */
export function revocableDaemon(
  admin: SigningKey,
  doomed: SigningKey,
): { daemon: FilteredDaemon; revoke: () => void } {
  const authority = { head: 'H1', state: stateTrusting(admin, doomed) };
  return {
    daemon: new FilteredDaemon(authority),
    revoke: () => {
      authority.head = 'H2';
      authority.state = stateTrusting(admin);
    },
  };
}
