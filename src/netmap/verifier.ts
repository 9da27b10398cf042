import { TlockError } from '../errors.js';
import { MAX_NETMAP_PEERS, NETMAP_PARALLEL_MIN_PEERS, NETMAP_VERDICT_CACHE_ENTRIES } from '../limits.js';
import type { State } from '../model/state.js';
import { describe } from '../wire/bytes.js';
import { type Judgement, judgePeers } from './judge-peers.js';
import { lockedOutMessage } from './locked-out.js';
import { peerVerdict } from './peer-verdict.js';
import { ServerView, isObject, nodeIdKey } from './server-view.js';
import type { AuthorityView, DroppedPeer, Netmap, NetmapVerdict } from './types.js';
import type { PeerVerdict, VerdictBatcher } from './verdict.js';
import { VerdictCache } from './verdict-cache.js';

export interface NetmapVerifierOptions {
  /** Verdicts to cache for the current head; 0 turns the cache off. */
  cacheSize?: number;
  /** Where `filterAsync` sends large batches of signature checks (e.g. a `VerdictPool`). */
  batcher?: VerdictBatcher;
}

const LISTS = ['Peers', 'PeersChanged', 'PeersRemoved', 'PeersChangedPatch'] as const;

/** Patch fields that cannot change any verdict: a response with only these needs no new judgement. */
const HARMLESS_PATCH_FIELDS: ReadonlySet<string> = new Set([
  'NodeID',
  'DERPRegion',
  'Endpoints',
  'Online',
  'LastSeen',
]);

type NodeId = number | string;

/**
 * The node-daemon side of Tailnet Lock (format §6, reference §5.2): filters each map response
 * from the (untrusted) coordination server so that only peers whose node keys the authority
 * authorises reach the daemon.
 *
 * Like Tailscale, which rebuilds its netmap and filters every peer again on any map response that
 * is not a pure patch, the verifier keeps the server's view of all peers (`ServerView`) and which
 * of them it passed on, and judges the whole set again whenever something that matters changed:
 * - a full netmap (`Peers`) is filtered as a whole, rotation tracker included;
 * - on a delta (`PeersChanged`, `PeersRemoved`, a `PeersChangedPatch` touching anything but
 *   DERPRegion/Endpoints/Online/LastSeen), or when the authority's head moved, every known peer is
 *   judged again: refused delta entries are dropped and their node IDs added to `PeersRemoved`;
 *   peers passed on earlier and refused now (a key removed, a rotation made them obsolete) are
 *   added to `PeersRemoved`; peers refused earlier and authorised now are sent in `PeersChanged`;
 * - `Node` (this node) is checked and never removed; a refusal sets `selfLockedOut`;
 * - `TKAInfo` never turns filtering off.
 * Verdicts are cached per (node key, signature) for the authority's current head only.
 */
export class NetmapVerifier {
  readonly #authority: AuthorityView;
  readonly #cache: VerdictCache;
  readonly #batcher: VerdictBatcher | undefined;
  readonly #peers: PeerMemory = {
    view: new ServerView(),
    passedIds: new Set(),
    keptFull: undefined,
    head: undefined,
  };

  constructor(authority: AuthorityView, options: NetmapVerifierOptions = {}) {
    if (typeof authority !== 'object' || authority === null) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        `NetmapVerifier: expected an authority, got ${describe(authority)}`,
      );
    }
    const size = options.cacheSize ?? NETMAP_VERDICT_CACHE_ENTRIES;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        `NetmapVerifier: cacheSize must be a non-negative integer, got ${String(size)}`,
      );
    }
    this.#authority = authority;
    this.#cache = new VerdictCache(size);
    this.#batcher = options.batcher;
  }

  /** Filters one parsed map response; the input is never modified. */
  filter(mapResponse: Netmap): NetmapVerdict {
    checkShape(mapResponse);
    const { head, state } = this.#current();
    this.#cache.useHead(head);
    return new FilterRun(state, head, this.#cache, this.#peers, mapResponse).finish();
  }

  /**
   * Like `filter`, with the same result, but a large batch of uncached signatures is checked by
   * the `batcher` (worker threads) first. Call it one map response at a time.
   */
  async filterAsync(mapResponse: Netmap): Promise<NetmapVerdict> {
    checkShape(mapResponse);
    const { head, state } = this.#current();
    this.#cache.useHead(head);
    const claims =
      this.#batcher === undefined
        ? []
        : uncachedClaims(
            mapResponse,
            // Known peers need checking again only under a new head (a delta re-judges them all).
            this.#peers.head !== undefined && this.#peers.head !== head ? this.#peers.view : undefined,
            this.#cache,
          );
    if (claims.length < NETMAP_PARALLEL_MIN_PEERS) {
      return new FilterRun(state, head, this.#cache, this.#peers, mapResponse).finish();
    }
    let verdicts: PeerVerdict[];
    try {
      verdicts = await this.#batcher!.verdicts(state, claims);
    } catch {
      // Threads are an optimisation: if they fail, check here (same result, slower).
      return this.filter(mapResponse);
    }
    // Verdicts hold for the state they were computed under only: if the authority moved while
    // the workers ran, check again here.
    if (this.#authority.head !== head) return this.filter(mapResponse);
    claims.forEach(([key, sig], i) => this.#cache.set(sig, key, verdicts[i]!));
    // The cache holds them all unless it is smaller than the batch (or off): then keep them aside.
    let prefetched: Map<string, { key: string; verdict: PeerVerdict }> | undefined;
    if (this.#cache.capacity < claims.length * 2) {
      prefetched = new Map();
      claims.forEach(([key, sig], i) => prefetched!.set(sig, { key, verdict: verdicts[i]! }));
    }
    return new FilterRun(state, head, this.#cache, this.#peers, mapResponse, prefetched).finish();
  }

  #current(): { head: string; state: State } {
    const head: unknown = this.#authority.head;
    const state: unknown = this.#authority.state;
    if (typeof head !== 'string' || typeof state !== 'object' || state === null) {
      throw new TlockError('INVALID_ARGUMENT', 'NetmapVerifier: the authority has no head or state');
    }
    return { head, state: state as State };
  }
}

/** What the verifier remembers between map responses. */
interface PeerMemory {
  readonly view: ServerView;
  /** Node IDs (nodeIdKey) of the peers passed on to the daemon and not removed since... */
  passedIds: Set<string>;
  /** ...or, until a delta needs them, the peers kept from the last full netmap. */
  keptFull: readonly unknown[] | undefined;
  /** The head the peers were last judged under. */
  head: string | undefined;
}

/** The IDs of the peers passed on, indexed from the last full netmap when first needed. */
function passed(memory: PeerMemory): Set<string> {
  if (memory.keptFull !== undefined) {
    const ids = new Set<string>();
    for (const peer of memory.keptFull) {
      const id = isObject(peer) ? nodeIdKey(peer['ID']) : undefined;
      if (id !== undefined) ids.add(id);
    }
    memory.passedIds = ids;
    memory.keptFull = undefined;
  }
  return memory.passedIds;
}

function checkShape(resp: unknown): asserts resp is Netmap {
  if (!isObject(resp)) {
    throw new TlockError('DECODE', `map response: expected a JSON object, got ${describe(resp)}`);
  }
  for (const field of LISTS) {
    const v = resp[field];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v))
      throw new TlockError('DECODE', `map response: ${field} must be an array or null, got ${describe(v)}`);
    if (v.length > MAX_NETMAP_PEERS) {
      throw new TlockError(
        'LIMIT',
        `map response: ${field} has ${v.length} entries, more than the ${MAX_NETMAP_PEERS} accepted`,
      );
    }
  }
}

const listOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** Whether a patch can change a verdict (it sets anything but position and liveness fields). */
function patchMatters(patch: unknown): boolean {
  if (!isObject(patch)) return true;
  return Object.entries(patch).some(
    ([f, v]) => !HARMLESS_PATCH_FIELDS.has(f) && v !== null && v !== undefined,
  );
}

function touchesKey(patch: Record<string, unknown>): boolean {
  return (patch['Key'] ?? null) !== null || (patch['KeySignature'] ?? null) !== null;
}

/** The (Key, KeySignature) texts the filter will need and the cache lacks, without repeats. */
function uncachedClaims(resp: Netmap, view: ServerView | undefined, cache: VerdictCache): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const consider = (entry: unknown): void => {
    if (!isObject(entry) || entry['UnsignedPeerAPIOnly'] === true) return;
    const key = entry['Key'];
    const sig = entry['KeySignature'];
    if (typeof key !== 'string' || typeof sig !== 'string' || sig === '' || seen.has(sig)) return;
    if (cache.get(sig, key) !== undefined) return;
    seen.add(sig);
    out.push([key, sig]);
  };
  for (const entry of listOf(resp.Peers)) consider(entry);
  for (const entry of listOf(resp.PeersChanged)) consider(entry);
  for (const entry of listOf(resp.PeersChangedPatch)) consider(entry);
  if (view !== undefined && !Array.isArray(resp.Peers)) for (const [, node] of view.entries()) consider(node);
  consider(resp.Node);
  return out;
}

/** One filter() call: reads the input, builds the output, never writes to the input. */
class FilterRun {
  readonly out: Netmap;
  readonly dropped: DroppedPeer[] = [];
  /** Node IDs to add to PeersRemoved, by nodeIdKey. */
  readonly removals = new Map<string, NodeId>();

  constructor(
    readonly state: State,
    readonly head: string,
    readonly cache: VerdictCache,
    readonly memory: PeerMemory,
    readonly resp: Netmap,
    /** Verdicts computed ahead (by filterAsync), by signature text. */
    readonly prefetched?: ReadonlyMap<string, { key: string; verdict: PeerVerdict }>,
  ) {
    this.out = { ...resp };
  }

  verdict = (key: unknown, sig: unknown): PeerVerdict => {
    if (this.prefetched !== undefined && typeof sig === 'string') {
      const hit = this.prefetched.get(sig);
      if (hit !== undefined && hit.key === key) return hit.verdict;
    }
    return peerVerdict(this.state, this.cache, key, sig);
  };

  finish(): NetmapVerdict {
    const { resp, memory } = this;
    const headMoved = memory.head !== undefined && memory.head !== this.head;
    memory.head = this.head;
    if (Array.isArray(resp.Peers)) this.fullNetmap(resp.Peers);
    const delta =
      listOf(resp.PeersChanged).length > 0 ||
      listOf(resp.PeersRemoved).length > 0 ||
      listOf(resp.PeersChangedPatch).some(patchMatters);
    if (delta || (headMoved && !Array.isArray(resp.Peers))) this.delta();
    else for (const p of listOf(resp.PeersChangedPatch)) if (isObject(p)) memory.view.patch(p); // kept fresh for a later re-send
    if (this.removals.size > 0) this.out.PeersRemoved = this.mergedRemovals();
    const verdict: NetmapVerdict = { netmap: this.out, dropped: this.dropped };
    const self = this.selfVerdict();
    if (self !== undefined && !self.ok) verdict.selfLockedOut = lockedOutMessage(self);
    return verdict;
  }

  drop(entry: unknown, idField: 'ID' | 'NodeID', j: Judgement & { ok: false }, context?: string): void {
    const who: { id?: NodeId; name?: string } = {};
    if (isObject(entry)) {
      const id = entry[idField];
      if (nodeIdKey(id) !== undefined) who.id = id as NodeId;
      const name = entry['Name'];
      if (typeof name === 'string') who.name = name;
    }
    const detail = context === undefined ? j.detail : `${context}: ${j.detail}`;
    this.dropped.push({ key: j.key, ...who, reason: j.reason, detail });
  }

  /** A full netmap: judge the list as a whole; it replaces the server view and what was passed on. */
  fullNetmap(peers: readonly unknown[]): void {
    const judged = judgePeers(peers, this.verdict);
    const kept: unknown[] = [];
    peers.forEach((peer, i) => {
      const j = judged[i]!;
      if (!j.ok) return this.drop(peer, 'ID', j);
      kept.push(peer);
    });
    this.out.Peers = kept.length === peers.length ? peers : kept;
    this.memory.view.reset(peers);
    this.memory.keptFull = this.out.Peers as unknown[];
  }

  /**
   * A delta, or a moved head: apply the changes to the server view, judge every known peer again
   * (as Tailscale's netmap rebuild does) and tell the daemon what changed.
   */
  delta(): void {
    const { resp, memory } = this;
    const view = memory.view;
    const changed = listOf(resp.PeersChanged);
    const patches = listOf(resp.PeersChangedPatch);
    for (const entry of changed) view.upsert(entry);
    for (const id of listOf(resp.PeersRemoved)) {
      view.remove(id);
      const k = nodeIdKey(id);
      if (k !== undefined) passed(memory).delete(k);
    }
    const unknownPatched = new Set<unknown>();
    for (const p of patches) if (isObject(p) && !view.patch(p)) unknownPatched.add(p);

    const ids: string[] = [];
    const nodes: Record<string, unknown>[] = [];
    for (const [id, node] of view.entries()) {
      ids.push(id);
      nodes.push(node);
    }
    const judged = new Map<string, Judgement>();
    judgePeers(nodes, this.verdict).forEach((j, i) => judged.set(ids[i]!, j));
    const reported = new Set<string>();

    // The response's own upserts: kept when authorised, else dropped and removed.
    const keptChanged: unknown[] = [];
    for (const entry of changed) {
      const id = isObject(entry) ? nodeIdKey(entry['ID']) : undefined;
      // Judged with every known peer; alone if it has no ID or was removed in this same response.
      const j = (id !== undefined ? judged.get(id) : undefined) ?? judgePeers([entry], this.verdict)[0];
      if (j === undefined || j.ok) {
        keptChanged.push(entry);
        continue;
      }
      this.drop(entry, 'ID', j, 'delta upsert');
      this.remove(entry, 'ID', id, reported);
    }
    // Patches: kept for authorised peers; one that re-keys a node is judged as the node it makes.
    const keptPatches: unknown[] = [];
    for (const p of patches) {
      if (!isObject(p)) {
        this.drop(p, 'NodeID', malformed('the PeersChangedPatch entry is not an object'));
        continue;
      }
      const id = nodeIdKey(p['NodeID']);
      if (unknownPatched.has(p)) {
        // A node the server never sent in full: the daemon holds nothing to patch, but a re-keying
        // patch is still judged on what it says, so that it cannot pass unchecked.
        let j: Judgement | undefined;
        if (touchesKey(p)) {
          j =
            (p['Key'] ?? null) === null
              ? malformed('sets KeySignature for a node whose Key was never sent')
              : judgePeers([{ Key: p['Key'], KeySignature: p['KeySignature'] }], this.verdict)[0]!;
        }
        if (j === undefined || j.ok) keptPatches.push(p);
        else {
          this.drop(p, 'NodeID', j, 'patch');
          this.remove(p, 'NodeID', id, reported);
        }
        continue;
      }
      const j = judged.get(id!)!;
      if (j.ok) keptPatches.push(p);
      else if (touchesKey(p)) {
        this.drop(p, 'NodeID', j, 'patch');
        this.remove(p, 'NodeID', id, reported);
      }
    }
    // Peers passed on earlier and refused now.
    const before = passed(memory);
    for (const id of before) {
      const j = judged.get(id);
      if (j === undefined || j.ok || reported.has(id)) continue;
      const node = view.get(id);
      this.drop(node, 'ID', j, 'no longer authorised');
      this.remove(node, 'ID', id, reported);
    }
    // Peers refused earlier and authorised now: the daemon has never had them.
    const now = new Set<string>();
    const inResponse = new Set(changed);
    judged.forEach((j, id) => {
      if (!j.ok) return;
      now.add(id);
      const node = view.get(id)!;
      if (!before.has(id) && !inResponse.has(node)) keptChanged.push(node);
    });
    memory.passedIds = now;
    if (Array.isArray(resp.PeersChanged) || keptChanged.length > 0) {
      this.out.PeersChanged = sameList(changed, keptChanged);
    }
    if (Array.isArray(resp.PeersChangedPatch)) this.out.PeersChangedPatch = sameList(patches, keptPatches);
  }

  remove(entry: unknown, idField: 'ID' | 'NodeID', id: string | undefined, reported: Set<string>): void {
    if (id === undefined || !isObject(entry)) return;
    reported.add(id);
    passed(this.memory).delete(id);
    this.removals.set(id, entry[idField] as NodeId);
  }

  mergedRemovals(): unknown[] {
    const existing = listOf(this.resp.PeersRemoved);
    const seen = new Set(existing.map(nodeIdKey));
    const out = existing.slice();
    for (const [k, id] of this.removals) {
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(id);
    }
    return out;
  }

  /** This node's own entry, when the response carries one with a Key (Tailscale skips it otherwise). */
  selfVerdict(): PeerVerdict | undefined {
    const node = this.resp.Node;
    if (!isObject(node)) return undefined;
    const v = this.verdict(node['Key'], node['KeySignature']);
    return !v.ok && v.reason === 'MALFORMED_PEER' ? undefined : v;
  }
}

function malformed(detail: string): Judgement & { ok: false } {
  return { ok: false, key: '', reason: 'MALFORMED_PEER', detail };
}

/** The kept entries, as the original array when nothing was dropped. */
function sameList(original: readonly unknown[], kept: unknown[]): unknown[] {
  return kept.length === original.length && kept.every((e, i) => e === original[i])
    ? (original as unknown[])
    : kept;
}
