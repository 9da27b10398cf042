import { TlockError } from '../errors.js';
import { MAX_NETMAP_PEERS } from '../limits.js';
import { decodeBase64Transient } from '../wire/base64.js';
import { describe } from '../wire/bytes.js';
import { parseNodeKey } from '../wire/keytext.js';
import { GoFieldReader, goFold } from './go-field-names.js';
import {
  type EntryList,
  type NodeId,
  PeerColumns,
  type PeerEntry,
  Unreadable,
  listsReadFromBytes,
} from './peer-columns.js';
import { jsonValue } from '../wire/json-text.js';

export { type EntryList, type NodeId, type PeerEntry, Unreadable } from './peer-columns.js';

/*
 * A map response as a node daemon reads it: Go's encoding/json decoding into Tailscale's tailcfg
 * types, applied as Tailscale's client does (controlclient/map.go). The verifier judges what this
 * file reads, so that it judges exactly what the daemon will hold.
 *
 * Field names: matched as Go matches them, and an object Go could read two ways is refused
 * (go-field-names.ts).
 *
 * Values: a node ID is an int64, and an absent or null ID is node 0; IDs beyond 2^53 cannot be
 * carried exactly through JSON.parse, so such an entry is refused. A Node's null fields keep
 * their zero values (no Key, no signature, not API-only). A patch carries only tailcfg.PeerChange
 * fields, each applied only when set (non-null; DERPRegion and Cap also non-zero).
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `PeersChangedPatch` entry: what Go applies from it, and nothing else. */
export interface PatchEntry {
  readonly id: NodeId;
  /** Node field name → value, for the fields Go applies from this patch. */
  readonly changes: Readonly<Record<string, unknown>>;
  /** The patch as passed on: NodeID and the applied fields, under PeerChange's names. */
  readonly patch: Readonly<Record<string, unknown>>;
  /** Whether it sets Key or KeySignature, the only fields a verdict depends on. */
  readonly rekeys: boolean;
}

const RESPONSE_FIELDS = [
  'Node',
  'Peers',
  'PeersChanged',
  'PeersRemoved',
  'PeersChangedPatch',
  'PeerSeenChange',
  'OnlineChange',
  'TKAInfo',
] as const;
export type ResponseField = (typeof RESPONSE_FIELDS)[number];

/** The lists of peers (and changes to them) that Go ignores when `Peers` is a full list. */
export const DELTA_FIELDS: readonly ResponseField[] = [
  'PeersChanged',
  'PeersRemoved',
  'PeersChangedPatch',
  'PeerSeenChange',
  'OnlineChange',
];

const LIST_FIELDS = ['Peers', 'PeersChanged', 'PeersRemoved', 'PeersChangedPatch'] as const;

export interface MapResponseView {
  /** The response's own key for each field it carries (maybe not in the canonical case). */
  readonly keyOf: Readonly<Partial<Record<ResponseField, string>>>;
  /** A non-empty `Peers`: the whole list. Then the daemon ignores every delta beside it. */
  readonly full: PeerColumns | undefined;
  readonly upserts: EntryList<PeerEntry>;
  readonly removals: readonly NodeId[];
  readonly badRemovals: readonly Unreadable[];
  /** In order; a patch never replaces another (Go applies each). */
  readonly patches: readonly (PatchEntry | Unreadable)[];
  /** This node, when the response carries a readable one. */
  readonly self: PeerEntry | undefined;
}

export const NODE_FIELDS = ['ID', 'Name', 'Key', 'KeySignature', 'UnsignedPeerAPIOnly'] as const;
/** tailcfg.PeerChange: every field a patch can carry to a Go daemon. */
const PATCH_FIELDS = [
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
] as const;
/** PeerChange fields whose Node field has another name; the rest keep theirs. */
const NODE_FIELD_OF: Readonly<Record<string, string>> = { DERPRegion: 'HomeDERP' };
/** PeerChange fields Go applies only when non-zero (the others: when non-null). */
const APPLIED_WHEN_NON_ZERO: ReadonlySet<string> = new Set(['DERPRegion', 'Cap']);

/** Reads map responses as the daemon will; it remembers the last few object layouts it saw. */
export class MapResponseReader {
  readonly #response = new GoFieldReader(RESPONSE_FIELDS);
  readonly #node = new GoFieldReader(NODE_FIELDS);
  readonly #patch = new GoFieldReader(PATCH_FIELDS);

  /**
   * Throws TlockError DECODE when Go would not decode the response at all (not an object,
   * top-level fields that collide, a list that is not an array) and LIMIT for a list longer than
   * any tailnet; entries it cannot read are returned, for dropping.
   */
  read(resp: unknown): MapResponseView {
    if (!isObject(resp)) {
      throw new TlockError('DECODE', `map response: expected a JSON object, got ${describe(resp)}`);
    }
    const layout = this.#response.layout(resp);
    if (layout.problem !== undefined) throw new TlockError('DECODE', `map response: ${layout.problem}`);
    const keyOf = layout.at;
    const list = (field: (typeof LIST_FIELDS)[number]): readonly unknown[] => {
      const key = keyOf[field];
      const v = key === undefined ? undefined : resp[key];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) {
        throw new TlockError('DECODE', `map response: ${field} must be an array or null, got ${describe(v)}`);
      }
      if (v.length > MAX_NETMAP_PEERS) {
        throw new TlockError(
          'LIMIT',
          `map response: ${field} has ${v.length} entries, more than the ${MAX_NETMAP_PEERS} accepted`,
        );
      }
      return v;
    };
    const [peers, changed, removed, patches] = LIST_FIELDS.map(list) as [
      readonly unknown[],
      readonly unknown[],
      readonly unknown[],
      readonly unknown[],
    ];
    const selfKey = keyOf.Node;
    const self = selfKey === undefined ? undefined : this.#readPeer(resp[selfKey]);
    const view = { keyOf, self: self instanceof Unreadable ? undefined : self };
    if (peers.length > 0) {
      return {
        ...view,
        full: this.#readPeers(peers),
        upserts: NO_ENTRIES,
        removals: [],
        badRemovals: [],
        patches: [],
      };
    }
    const removals: NodeId[] = [];
    const badRemovals: Unreadable[] = [];
    for (const id of removed) {
      const r = readNodeId(id);
      if (typeof r === 'number') removals.push(r);
      else badRemovals.push(new Unreadable(undefined, undefined, `PeersRemoved: ${r}`));
    }
    return {
      ...view,
      full: undefined,
      upserts: this.#readPeers(changed),
      removals,
      badRemovals,
      patches: patches.map((p) => this.#readPatch(p)),
    };
  }

  /** Reads each entry as Go reads a tailcfg.Node into the columns of a `PeerColumns` (no object per entry). */
  #readPeers(values: readonly unknown[]): PeerColumns {
    const pre = listsReadFromBytes.get(values);
    if (pre !== undefined) return pre;
    const n = values.length;
    const columns = newColumns(n);
    for (let i = 0; i < n; i++) {
      const value = values[i];
      if (!isObject(value)) {
        readNonObject(columns, i);
        continue;
      }
      // Each field read at its own site: one key per site keeps V8's property lookups fast.
      const { at, problem } = this.#node.layout(value);
      readNodeFields(
        columns,
        i,
        problem,
        at.ID === undefined ? undefined : value[at.ID],
        at.Name === undefined ? undefined : value[at.Name],
        at.UnsignedPeerAPIOnly === undefined ? undefined : value[at.UnsignedPeerAPIOnly],
        at.Key === undefined ? undefined : value[at.Key],
        at.KeySignature === undefined ? undefined : value[at.KeySignature],
      );
    }
    return new PeerColumns({ nodes: values.slice(), ...columns });
  }

  #readPeer(value: unknown): PeerEntry | Unreadable {
    return this.#readPeers([value]).items[0]!;
  }

  #readPatch(value: unknown): PatchEntry | Unreadable {
    if (!isObject(value))
      return unreadable(undefined, undefined, 'the PeersChangedPatch entry is not an object');
    const { at, problem } = this.#patch.layout(value);
    const id = readNodeId(at.NodeID === undefined ? undefined : value[at.NodeID]);
    if (typeof id === 'string') return unreadable(undefined, undefined, `patch: ${id}`);
    if (problem !== undefined) return unreadable(id, undefined, `patch: ${problem}`);
    const changes: Record<string, unknown> = {};
    const patch: Record<string, unknown> = { NodeID: id };
    for (const field of PATCH_FIELDS) {
      const key = at[field];
      if (field === 'NodeID' || key === undefined) continue;
      const v = value[key];
      if (v === undefined || v === null || (APPLIED_WHEN_NON_ZERO.has(field) && v === 0)) continue;
      // A value Go cannot read fails the whole response for the daemon: never pass one on.
      if (field === 'Key' && !isNodeKeyText(v)) {
        return unreadable(id, undefined, 'patch: Key is not "nodekey:" followed by 64 hex digits');
      }
      if (field === 'KeySignature' && !isBase64Text(v)) {
        return unreadable(id, undefined, 'patch: KeySignature is not standard base64');
      }
      changes[NODE_FIELD_OF[field] ?? field] = v;
      patch[field] = v;
    }
    const rekeys = 'Key' in changes || 'KeySignature' in changes;
    return { id, changes, patch, rekeys };
  }
}

function isNodeKeyText(v: unknown): boolean {
  try {
    parseNodeKey(v as string);
    return true;
  } catch {
    return false;
  }
}

function isBase64Text(v: unknown): boolean {
  try {
    decodeBase64Transient(v as string, 'KeySignature');
    return true;
  } catch {
    return false;
  }
}

/** The node ID Go reads, or why it cannot be carried. */
function readNodeId(value: unknown): NodeId | string {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value + 0; // -0 is 0
  if (typeof value === 'number' && Number.isInteger(value))
    return `node ID ${value} is beyond 2^53, which JSON.parse cannot carry exactly`;
  return `a node ID must be an integer, got ${describe(value)}`;
}

/** The columns of a list being read, before they become a `PeerColumns`. */
export interface ColumnArrays {
  ids: NodeId[];
  keys: unknown[];
  sigs: unknown[];
  apiOnly: boolean[];
  names: (string | undefined)[];
  unreadable: Map<number, Unreadable>;
}

export function newColumns(n: number): ColumnArrays {
  return {
    ids: new Array<NodeId>(n),
    keys: new Array<unknown>(n),
    sigs: new Array<unknown>(n),
    apiOnly: new Array<boolean>(n),
    names: new Array<string | undefined>(n),
    unreadable: new Map(),
  };
}

/** Entry i is not an object: Go cannot read it as a Node. */
export function readNonObject(c: ColumnArrays, i: number): void {
  c.ids[i] = 0;
  c.apiOnly[i] = false;
  c.unreadable.set(i, new Unreadable(undefined, undefined, 'the peer entry is not an object'));
}

/**
 * Entry i, an object whose keys Go reads with `problem` (from its layout), given the values of
 * its ID, Name, UnsignedPeerAPIOnly, Key and KeySignature (undefined when absent): what Go reads.
 */
export function readNodeFields(
  c: ColumnArrays,
  i: number,
  problem: string | undefined,
  idValue: unknown,
  nameValue: unknown,
  only: unknown,
  key: unknown,
  sig: unknown,
): void {
  c.ids[i] = 0;
  c.apiOnly[i] = false;
  const name = typeof nameValue === 'string' ? nameValue : undefined;
  c.names[i] = name;
  const id = readNodeId(idValue);
  if (typeof id === 'string') {
    c.unreadable.set(i, new Unreadable(undefined, name, id));
    return;
  }
  c.ids[i] = id;
  if (problem !== undefined) {
    c.unreadable.set(i, new Unreadable(id, name, problem));
    return;
  }
  if (only !== undefined && only !== null && typeof only !== 'boolean') {
    c.unreadable.set(
      i,
      new Unreadable(id, name, `UnsignedPeerAPIOnly must be a boolean, got ${describe(only)}`),
    );
    return;
  }
  c.apiOnly[i] = only === true;
  c.keys[i] = key;
  c.sigs[i] = sig;
}

function unreadable(id: NodeId | undefined, name: string | undefined, detail: string): Unreadable {
  return new Unreadable(id, name, detail);
}

const NO_ENTRIES: EntryList<PeerEntry> = { items: [], superseded: new Set(), latest: [] };

/** A node with a patch's changes applied, as Go applies them; the node itself is not modified. */
export function patchedNode(
  node: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out = { ...(jsonValue(node) as Readonly<Record<string, unknown>>) };
  const replaced = new Set(Object.keys(changes).map(goFold));
  for (const k of Object.keys(out)) if (replaced.has(goFold(k))) delete out[k];
  return Object.assign(out, changes);
}

const tkaResponseReader = new GoFieldReader(['TKAInfo'] as const);
const tkaInfoReader = new GoFieldReader(['Head', 'Disabled'] as const);

/**
 * The `TKAInfo` of a map response as Go reads it: undefined when absent or null (to Go's client:
 * no change since the last one). A TKAInfo Go could read two ways counts as a lock with an
 * unknown head, so that a node without an authority never takes it for "no lock".
 */
export function tkaInfoOf(resp: unknown): { head: string; disabled: boolean } | undefined {
  if (!isObject(resp)) return undefined;
  const top = tkaResponseReader.layout(resp);
  const key = top.at.TKAInfo;
  const info = key === undefined ? undefined : resp[key];
  if (info === undefined || info === null) return undefined;
  if (top.problem !== undefined || !isObject(info)) return { head: '(unreadable)', disabled: false };
  const { at, problem } = tkaInfoReader.layout(info);
  const head = at.Head === undefined ? '' : (info[at.Head] ?? '');
  const disabled = at.Disabled === undefined ? false : info[at.Disabled];
  if (
    problem !== undefined ||
    typeof head !== 'string' ||
    (disabled !== null && typeof disabled !== 'boolean')
  ) {
    return { head: '(unreadable)', disabled: false };
  }
  return { head, disabled: disabled === true };
}
