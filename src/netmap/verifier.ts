import { TlockError } from '../errors.js';
import { MAX_NETMAP_PEERS, NETMAP_PARALLEL_MIN_PEERS, NETMAP_VERDICT_CACHE_ENTRIES } from '../limits.js';
import type { State } from '../model/state.js';
import { describe } from '../wire/bytes.js';
import { lockedOutMessage } from './locked-out.js';
import { PeerBook, isObject, nodeIdKey } from './peer-book.js';
import { peerVerdict } from './peer-verdict.js';
import type { PeerVerdict, VerdictBatcher } from './verdict.js';
import { type RotatedPeer, obsoleteNodeKeys } from './rotation-tracker.js';
import type { AuthorityView, DropReason, DroppedPeer, Netmap, NetmapVerdict } from './types.js';
import { VerdictCache } from './verdict-cache.js';

export interface NetmapVerifierOptions {
  /** Verdicts to cache for the current head; 0 turns the cache off. */
  cacheSize?: number;
  /** Where `filterAsync` sends large batches of signature checks (e.g. a `VerdictPool`). */
  batcher?: VerdictBatcher;
}

const LISTS = ['Peers', 'PeersChanged', 'PeersRemoved', 'PeersChangedPatch'] as const;

type NodeId = number | string;

function identity(entry: unknown, idField: 'ID' | 'NodeID'): { id?: NodeId; name?: string } {
  if (!isObject(entry)) return {};
  const out: { id?: NodeId; name?: string } = {};
  const id = entry[idField];
  if (nodeIdKey(id) !== undefined) out.id = id as NodeId;
  const name = entry['Name'];
  if (typeof name === 'string') out.name = name;
  return out;
}

function malformedEntry(detail: string): PeerVerdict & { ok: false } {
  return { ok: false, key: '', reason: 'MALFORMED_PEER', detail };
}

function dropOf(
  entry: unknown,
  idField: 'ID' | 'NodeID',
  key: string,
  reason: DropReason,
  detail: string,
): DroppedPeer {
  return { key, ...identity(entry, idField), reason, detail };
}

/**
 * The node-daemon side of Tailnet Lock (format §6, reference §5.2): filters each map response
 * from the (untrusted) coordination server so that only peers whose node keys the authority
 * authorises remain.
 *
 * - Full netmaps (`Peers`): every peer is checked, except `UnsignedPeerAPIOnly` ones; then
 *   Tailscale's rotation tracker drops keys made obsolete by newer rotations (also API-only ones,
 *   as Tailscale does).
 * - Deltas: `PeersChanged` entries are checked like peers, and `PeersChangedPatch` entries that
 *   set `Key` or `KeySignature` are checked as the node they produce (merged with what the server
 *   last sent for it); a refused one is removed from its list and its node ID added to
 *   `PeersRemoved`, so a previously valid entry is evicted too. Like Tailscale, deltas do not run
 *   the rotation tracker: obsolescence is judged on the next full netmap.
 * - `Node` (this node) is checked and never removed; a refusal sets `selfLockedOut`.
 * - `TKAInfo` never turns filtering off.
 *
 * Verdicts are cached per (node key, signature) for the authority's current head only.
 */
export class NetmapVerifier {
  readonly #authority: AuthorityView;
  readonly #cache: VerdictCache;
  readonly #book = new PeerBook();
  readonly #batcher: VerdictBatcher | undefined;

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
    return new FilterRun(state, this.#cache, this.#book, mapResponse).finish();
  }

  /**
   * Like `filter`, with the same result, but a large batch of uncached signatures is checked by
   * the `batcher` (worker threads) first. Call it one map response at a time.
   */
  async filterAsync(mapResponse: Netmap): Promise<NetmapVerdict> {
    checkShape(mapResponse);
    const { head, state } = this.#current();
    this.#cache.useHead(head);
    const claims = this.#batcher === undefined ? [] : uncachedClaims(mapResponse, this.#cache);
    if (claims.length < NETMAP_PARALLEL_MIN_PEERS) {
      return new FilterRun(state, this.#cache, this.#book, mapResponse).finish();
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
    const prefetched = new Map<string, { key: string; verdict: PeerVerdict }>();
    claims.forEach(([key, sig], i) => {
      const verdict = verdicts[i]!;
      prefetched.set(sig, { key, verdict });
      this.#cache.set(sig, key, verdict);
    });
    return new FilterRun(state, this.#cache, this.#book, mapResponse, prefetched).finish();
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

/** The (Key, KeySignature) texts in a map response whose verdict is not cached, without repeats. */
function uncachedClaims(resp: Netmap, cache: VerdictCache): [string, string][] {
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
  for (const list of [resp.Peers, resp.PeersChanged, resp.PeersChangedPatch]) {
    if (Array.isArray(list)) for (const entry of list) consider(entry);
  }
  consider(resp.Node);
  return out;
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

/** One filter() call: reads the input, builds the output, never writes to the input. */
class FilterRun {
  readonly out: Netmap;
  readonly dropped: DroppedPeer[] = [];
  readonly removals: NodeId[] = [];

  constructor(
    readonly state: State,
    readonly cache: VerdictCache,
    readonly book: PeerBook,
    readonly resp: Netmap,
    /** Verdicts computed ahead (by filterAsync), by signature text. */
    readonly prefetched?: ReadonlyMap<string, { key: string; verdict: PeerVerdict }>,
  ) {
    this.out = { ...resp };
  }

  verdict(key: unknown, sig: unknown): PeerVerdict {
    if (this.prefetched !== undefined && typeof sig === 'string') {
      const hit = this.prefetched.get(sig);
      if (hit !== undefined && hit.key === key) return hit.verdict;
    }
    return peerVerdict(this.state, this.cache, key, sig);
  }

  finish(): NetmapVerdict {
    const { resp } = this;
    if (Array.isArray(resp.Peers)) {
      this.out.Peers = this.fullPeers(resp.Peers);
      this.book.reset(resp.Peers);
    }
    if (Array.isArray(resp.PeersChanged)) this.out.PeersChanged = this.changedPeers(resp.PeersChanged);
    if (Array.isArray(resp.PeersRemoved)) for (const id of resp.PeersRemoved) this.book.remove(id);
    if (Array.isArray(resp.PeersChangedPatch))
      this.out.PeersChangedPatch = this.patches(resp.PeersChangedPatch);
    if (this.removals.length > 0) this.out.PeersRemoved = this.mergedRemovals();
    const verdict: NetmapVerdict = { netmap: this.out, dropped: this.dropped };
    const self = this.selfVerdict();
    if (self !== undefined && !self.ok) verdict.selfLockedOut = lockedOutMessage(self);
    return verdict;
  }

  /** Full netmap: check each peer, then drop keys obsoleted by rotation (reference §5.2). */
  fullPeers(peers: readonly unknown[]): unknown[] {
    const verdicts: (PeerVerdict | undefined)[] = new Array<PeerVerdict | undefined>(peers.length);
    const rotated: RotatedPeer[] = [];
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[i];
      if (!isObject(peer)) {
        verdicts[i] = malformedEntry('the peer entry is not an object');
        continue;
      }
      if (peer['UnsignedPeerAPIOnly'] === true) continue; // not subject to Tailnet Lock
      const v = this.verdict(peer['Key'], peer['KeySignature']);
      verdicts[i] = v;
      if (v.ok && v.rotation !== undefined) rotated.push({ key: v.key, rotation: v.rotation });
    }
    const obsolete = rotated.length > 0 ? obsoleteNodeKeys(rotated) : undefined;
    const kept: unknown[] = [];
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[i];
      let v = verdicts[i];
      if (v === undefined) {
        // An API-only peer: unchecked, but its Key must parse and may still be obsolete.
        v = this.verdict((peer as Record<string, unknown>)['Key'], undefined);
        if (!v.ok && v.reason !== 'MALFORMED_PEER') v = { ok: true, key: v.key, rotation: undefined };
      }
      if (!v.ok) {
        this.dropped.push(dropOf(peer, 'ID', v.key, v.reason, v.detail));
        continue;
      }
      const why = obsolete?.get(v.key);
      if (why !== undefined) {
        this.dropped.push(dropOf(peer, 'ID', v.key, 'OBSOLETE_ROTATION', why));
        continue;
      }
      kept.push(peer);
    }
    return kept.length === peers.length ? (peers as unknown[]) : kept;
  }

  /** Delta upserts: a refused one becomes a removal of its node ID. */
  changedPeers(entries: readonly unknown[]): unknown[] {
    return this.deltas(entries, 'PeersChanged', 'ID', 'delta upsert', (entry) => {
      this.book.upsert(entry);
      if (entry['UnsignedPeerAPIOnly'] === true) return undefined;
      return this.verdict(entry['Key'], entry['KeySignature']);
    });
  }

  /** Delta patches that change Key or KeySignature are checked as the node they produce. */
  patches(entries: readonly unknown[]): unknown[] {
    return this.deltas(entries, 'PeersChangedPatch', 'NodeID', 'patch', (entry) => {
      const key = entry['Key'];
      const sig = entry['KeySignature'];
      if ((key === undefined || key === null) && (sig === undefined || sig === null)) return undefined;
      const merged = this.book.patch(entry['NodeID'], key, sig);
      if (merged.key === undefined) {
        return malformedEntry('sets KeySignature for a node whose Key was never sent');
      }
      return merged.apiOnly ? undefined : this.verdict(merged.key, merged.sig);
    });
  }

  /**
   * Checks each delta entry with `check` (undefined: nothing to check) and keeps the accepted
   * ones; a refused one is dropped and its node ID removed.
   */
  deltas(
    entries: readonly unknown[],
    list: string,
    idField: 'ID' | 'NodeID',
    what: string,
    check: (entry: Record<string, unknown>) => PeerVerdict | undefined,
  ): unknown[] {
    const kept: unknown[] = [];
    for (const entry of entries) {
      const v = isObject(entry) ? check(entry) : malformedEntry(`the ${list} entry is not an object`);
      if (v === undefined || v.ok) kept.push(entry);
      else this.refuseDelta(entry, idField, v, what);
    }
    return kept.length === entries.length ? (entries as unknown[]) : kept;
  }

  refuseDelta(entry: unknown, idField: 'ID' | 'NodeID', v: PeerVerdict & { ok: false }, what: string): void {
    const drop = dropOf(entry, idField, v.key, v.reason, `${what}: ${v.detail}`);
    this.dropped.push(drop);
    if (drop.id !== undefined) this.removals.push(drop.id);
  }

  mergedRemovals(): unknown[] {
    const existing = Array.isArray(this.resp.PeersRemoved) ? (this.resp.PeersRemoved as unknown[]) : [];
    const seen = new Set(existing.map(nodeIdKey));
    const out = existing.slice();
    for (const id of this.removals) {
      const k = nodeIdKey(id);
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
