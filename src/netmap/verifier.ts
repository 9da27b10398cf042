import { TlockError } from '../errors.js';
import { MAX_NETMAP_PEERS, NETMAP_PARALLEL_MIN_PEERS, NETMAP_VERDICT_CACHE_ENTRIES } from '../limits.js';
import type { State } from '../model/state.js';
import { describe } from '../wire/bytes.js';
import { FilterRun, type PeerMemory, listOf } from './filter-run.js';
import { ServerView, isObject } from './server-view.js';
import type { AuthorityView, Netmap, NetmapVerdict } from './types.js';
import type { PeerVerdict, VerdictBatcher } from './verdict.js';
import { VerdictCache } from './verdict-cache.js';

export interface NetmapVerifierOptions {
  /** Verdicts to cache for the current head; 0 turns the cache off. */
  cacheSize?: number;
  /** Where `filterAsync` sends large batches of signature checks (e.g. a `VerdictPool`). */
  batcher?: VerdictBatcher;
}

const LISTS = ['Peers', 'PeersChanged', 'PeersRemoved', 'PeersChangedPatch'] as const;

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
