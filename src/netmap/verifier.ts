import { TlockError } from '../errors.js';
import { NETMAP_MAX_REMEMBERED_PEERS, NETMAP_VERDICT_CACHE_ENTRIES } from '../limits.js';
import type { State } from '../model/state.js';
import { describe } from '../wire/bytes.js';
import { DaemonView, type ViewNode } from './daemon-view.js';
import { lockedOutMessage } from './locked-out.js';
import {
  DELTA_FIELDS,
  type EntryList,
  MapResponseReader,
  type MapResponseView,
  type NodeId,
  type PatchEntry,
  type PeerEntry,
  type ResponseField,
  Unreadable,
} from './map-response.js';
import { ClaimBatch } from './claim-batch.js';
import { ClaimScanner, type ScannedTexts } from './claim-scanner.js';
import { type FullListVerdicts, FullListJudge, type Reuse } from './full-list-judge.js';
import type { PeerColumns } from './peer-columns.js';
import { judgePeers, peerVerdict } from './peer-verdict.js';
import type {
  AuthorityView,
  DroppedPeer,
  Netmap,
  NetmapVerdict,
  PeerVerdict,
  VerdictBatcher,
} from './types.js';
import { VerdictCache } from './verdict-cache.js';

export interface NetmapVerifierOptions {
  /** Verdicts to cache for the current head; 0 turns the cache off. */
  cacheSize?: number;
  /** Where `filterAsync` sends large batches of signature checks (e.g. a `VerdictPool`). */
  batcher?: VerdictBatcher;
}

type Judge = (peers: readonly PeerEntry[]) => readonly PeerVerdict[];

/** `DaemonView.judgedUnder` after unfiltered responses: never a head, so every node is judged next. */
const UNFILTERED = '';
/** A verdict kept beside the cache, by signature text. */
type KeptVerdict = { key: string; verdict: PeerVerdict };
/** Verdicts a prefetch computed under `head` that the cache may not hold. */
type EarlyVerdicts = { head: string; verdicts: Map<string, KeptVerdict> | undefined };

/** The bytes of a map response as they arrive, for `NetmapVerifier.prefetch`. */
export interface ResponsePrefetch {
  push(piece: Uint8Array): void;
  /** The response is complete: no more pieces come. */
  arrived(): void;
  /** The texts the scan cut from the bytes, for `readMapResponseBytes` to take instead of cutting them again. */
  readonly texts: ScannedTexts;
}

/**
 * The node-daemon side of Tailnet Lock: filters each map response from the (untrusted)
 * coordination server so that the daemon, applying the result as Tailscale's client does, holds
 * only peers whose node keys the authority authorises. The response is read as a Go daemon reads
 * it (`map-response.ts`), and what the daemon holds is followed step by step (`daemon-view.ts`):
 * - a non-empty `Peers` is the whole list, judged as a set (rotation obsolescence included); every
 *   delta list beside it is ignored by the daemon and left out; when nothing is kept, the nodes the
 *   daemon holds are removed through `PeersRemoved` (an empty `Peers` means "no change" to Go);
 * - otherwise removals, upserts and patches are applied in Go's order, and when they change
 *   anything a verdict depends on, or the authority's head moved, every node is judged again:
 *   refused upserts are dropped and their IDs removed; nodes the daemon holds and the authority now
 *   refuses are removed; nodes refused earlier and authorised now are sent in `PeersChanged`;
 * - patches are passed on only for nodes the daemon holds, with only the fields Go applies;
 * - `Node` (this node) is checked and never removed; a refusal sets `selfLockedOut`;
 * - `TKAInfo` never turns filtering off.
 * Verdicts are cached per (node key, signature) for the authority's current head only.
 */
export class NetmapVerifier {
  readonly #authority: AuthorityView;
  readonly #cache: VerdictCache;
  readonly #batcher: VerdictBatcher | undefined;
  readonly #reader = new MapResponseReader();
  readonly #view = new DaemonView();
  readonly #fullLists: FullListJudge;
  /** The verdicts of the last `prefetch`, once its checks are done. */
  #prefetched: Promise<EarlyVerdicts | undefined> | undefined;

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
    this.#fullLists = new FullListJudge(size > 0);
    this.#batcher = options.batcher;
  }

  /** Filters one parsed map response; the input is never modified. */
  filter(mapResponse: Netmap): NetmapVerdict {
    this.#view.save();
    const read = this.#reader.read(mapResponse);
    const { head, state } = this.#current();
    return this.#apply(mapResponse, read, state, head, undefined);
  }

  /**
   * Like `filter`, with the same result, but a large batch of uncached signatures is checked by
   * the `batcher` (worker threads) first. Call it one map response at a time.
   */
  async filterAsync(mapResponse: Netmap): Promise<NetmapVerdict> {
    const prefetched = this.#prefetched;
    this.#prefetched = undefined;
    const early = prefetched === undefined ? undefined : await prefetched;
    this.#view.save();
    const read = this.#reader.read(mapResponse);
    const { head, state } = this.#current();
    const aside = early?.head === head ? early.verdicts : undefined;
    if (this.#batcher === undefined) return this.#apply(mapResponse, read, state, head, aside);
    const reuse = read.full === undefined ? undefined : this.#fullLists.reuse(read.full, head);
    // Each verdict goes into the cache as it arrives, while the workers check the rest.
    const claims = new ClaimBatch(this.#batcher, state, (key, sig, v) => this.#cache.set(sig, key, v));
    this.#uncachedClaims(read, head, aside, reuse, (key, sig) => claims.add(key, sig));
    if (!claims.started) return this.#apply(mapResponse, read, state, head, aside, reuse);
    try {
      await claims.finish();
    } catch {
      // Threads are an optimisation: if they fail, check here (same result, slower).
      return this.filter(mapResponse);
    }
    // Verdicts hold for the state they were computed under only: if the authority moved while
    // the workers ran, check again here.
    if (this.#authority.head !== head) return this.filter(mapResponse);
    // The cache holds them all unless it is smaller than the batch (or off): then keep them aside.
    return this.#apply(mapResponse, read, state, head, this.#keptAside(claims, aside), reuse);
  }

  /**
   * Starts checking the signatures of a map response that is still arriving: `push` it the
   * response's bytes as they come, and `arrived` at its end; `filterAsync` then waits for these
   * checks rather than making them itself. Only a head start (claim-scanner.ts says why a wrong
   * guess costs time, never a wrong verdict). Undefined without a batcher.
   */
  prefetch(): ResponsePrefetch | undefined {
    if (this.#batcher === undefined) return undefined;
    const { head, state } = this.#current();
    const cache = this.#cache;
    // A verdict that arrives after the head moved is dropped: the cache now holds another state's.
    const claims = new ClaimBatch(this.#batcher, state, (key, sig, v) => {
      if (cache.head === head) cache.set(sig, key, v);
    });
    const scanner = new ClaimScanner();
    const claim = (key: string, sig: string): void => {
      if (cache.get(sig, key) === undefined) claims.add(key, sig);
    };
    let arrived = false;
    return {
      texts: scanner.texts,
      push: (piece) => {
        if (!arrived) scanner.push(piece, claim);
      },
      arrived: () => {
        if (arrived) return;
        arrived = true;
        if (!claims.started) return;
        const done = claims.finish().then(
          () => ({ head, verdicts: this.#keptAside(claims, undefined) }),
          () => undefined, // filterAsync checks whatever the cache lacks
        );
        claims.runAhead();
        this.#prefetched = done;
      },
    };
  }

  /** The batch's verdicts, for when the cache is smaller than the batch (or off); added to `aside`. */
  #keptAside(
    claims: ClaimBatch,
    aside: Map<string, KeptVerdict> | undefined,
  ): Map<string, KeptVerdict> | undefined {
    if (this.#cache.capacity >= claims.size * 2) return aside;
    const verdicts = claims.verdicts();
    if (aside !== undefined) for (const [sig, kept] of aside) if (!verdicts.has(sig)) verdicts.set(sig, kept);
    return verdicts;
  }

  /**
   * Records a map response the daemon was given unfiltered (the hook had no authority): every
   * peer it carries is held. The first response filtered afterwards judges every node, so a peer
   * let in before the authority came is removed if the authority refuses it. Throws DECODE for a
   * response with an entry Go could read two ways, and LIMIT past the peers it can remember:
   * then nothing could follow what the daemon holds.
   */
  passedUnfiltered(mapResponse: Netmap): void {
    this.#view.save();
    const read = this.#reader.read(mapResponse);
    const entries = [...(read.full ?? read.upserts).items, ...read.patches, ...read.badRemovals];
    const unreadable = entries.find((e): e is Unreadable => e instanceof Unreadable);
    if (unreadable !== undefined) {
      throw new TlockError(
        'DECODE',
        `map response: ${unreadable.detail}; a daemon could read it in more than one way, so it is not passed on even unfiltered`,
      );
    }
    const view = this.#view;
    if (read.full !== undefined) view.applyFullList(read.full, () => true);
    else {
      for (const id of read.removals) view.applyRemoval(id);
      for (const entry of read.upserts.latest) {
        if (!view.applyUpsert(entry)) {
          view.restore();
          throw new TlockError(
            'LIMIT',
            `map response: more than ${NETMAP_MAX_REMEMBERED_PEERS} peers to remember`,
          );
        }
        view.setHeld(entry.id, true);
      }
      for (const patch of read.patches) if (!(patch instanceof Unreadable)) view.applyPatch(patch);
    }
    view.judgedUnder = UNFILTERED;
  }

  /**
   * Whether what the verifier keeps still reads from `memory`: a response read from bytes
   * (map-response-bytes.ts) leaves its peers' texts in them, so the caller may reuse that memory
   * only once this says false.
   */
  holdsMemory(memory: ArrayBufferLike): boolean {
    return this.#view.holdsMemory(memory);
  }

  /**
   * Forgets what the last `filter`, `filterAsync` or `passedUnfiltered` changed, for when its
   * result never reached the daemon (the hook could not write it): the daemon applied nothing of
   * it, and what the verifier remembers must say the same. Call it before the next response.
   */
  forgetLast(): void {
    this.#view.restore();
  }

  #current(): { head: string; state: State } {
    const head: unknown = this.#authority.head;
    const state: unknown = this.#authority.state;
    if (typeof head !== 'string' || typeof state !== 'object' || state === null) {
      throw new TlockError('INVALID_ARGUMENT', 'NetmapVerifier: the authority has no head or state');
    }
    this.#cache.useHead(head);
    return { head, state: state as State };
  }

  /**
   * The one place that decides what is judged. A full list is judged whole. Otherwise every node
   * is judged again when the authority's head moved since the last judgement (a revoked key's
   * peers go at the next response, whatever it is: a server cannot keep them by sending only
   * patches), or when the response changes which nodes exist or what their keys are (a verdict
   * can depend on every other node, through rotation obsolescence); else nothing is.
   */
  #scope(read: MapResponseView, head: string): 'full-list' | 'every-node' | 'nothing' {
    if (read.full !== undefined) return 'full-list';
    const headMoved = this.#view.judgedUnder !== undefined && this.#view.judgedUnder !== head;
    const changesNodes =
      read.upserts.items.length > 0 ||
      read.removals.length > 0 ||
      read.patches.some((p) => !(p instanceof Unreadable) && p.rekeys);
    return headMoved || changesNodes ? 'every-node' : 'nothing';
  }

  #apply(
    resp: Netmap,
    read: MapResponseView,
    state: State,
    head: string,
    aside: ReadonlyMap<string, KeptVerdict> | undefined,
    reuse?: Reuse,
  ): NetmapVerdict {
    const verdict = (key: unknown, sig: unknown): PeerVerdict => {
      if (aside !== undefined && typeof sig === 'string') {
        const hit = aside.get(sig);
        if (hit !== undefined && hit.key === key) return hit.verdict;
      }
      return peerVerdict(state, this.#cache, key, sig);
    };
    const judge: Judge = (peers) => judgePeers(peers, verdict);
    const outcome = new Outcome(resp, read);
    const scope = this.#scope(read, head);
    try {
      if (scope === 'full-list') {
        const full = read.full!;
        this.#applyFullList(
          outcome,
          full,
          this.#fullLists.judge(reuse ?? this.#fullLists.reuse(full, head), verdict),
        );
      } else this.#applyDelta(outcome, read, scope === 'every-node' ? judge : undefined);
    } catch (e) {
      this.#view.restore(); // no answer goes out, so the daemon applies nothing
      throw e;
    }
    this.#view.judgedUnder = head;
    const result: NetmapVerdict = { netmap: outcome.out, dropped: outcome.dropped };
    if (read.self !== undefined) {
      const v = verdict(read.self.key, read.self.sig);
      // Tailscale skips its own node when it has no usable key.
      if (!v.ok && v.reason !== 'MALFORMED_PEER') result.selfLockedOut = lockedOutMessage(v);
    }
    return result;
  }

  #applyFullList(o: Outcome, full: PeerColumns, judged: FullListVerdicts): void {
    const { verdicts } = judged;
    // Every entry kept (the usual case): the list goes on as it came, without a look at each.
    let kept: unknown[] | undefined;
    if (!full.clean || !judged.allAuthorised) {
      kept = [];
      for (let i = 0; i < full.length; i++) {
        const bad = full.unreadable.get(i);
        if (bad !== undefined) o.dropUnreadable(bad);
        else if (full.superseded.has(i)) o.dropSuperseded(full.entry(i));
        else {
          const v = verdicts[i]!;
          if (v.ok) kept.push(full.nodes[i]);
          else o.drop({ id: full.ids[i], name: full.names[i] }, v);
        }
      }
    }
    // Go ignores an empty list, so when nothing is kept the daemon is told what to remove.
    const removed = kept?.length === 0 ? this.#view.heldIds() : [];
    this.#view.applyFullList(full, (i) => verdicts[i]!.ok);
    for (const field of DELTA_FIELDS) o.remove(field);
    o.set('Peers', kept === undefined || kept.length === full.length ? o.original('Peers') : kept);
    if (removed.length > 0) o.set('PeersRemoved', removed);
  }

  /** Removals, upserts, patches, in Go's order; then, if `judge` is given, every node judged again. */
  #applyDelta(o: Outcome, read: MapResponseView, judge: Judge | undefined): void {
    const view = this.#view;
    for (const id of read.removals) view.applyRemoval(id);
    for (const bad of read.badRemovals) o.dropUnreadable(bad);

    const upserted = new Map<NodeId, PeerEntry>();
    read.upserts.items.forEach((item, i) => {
      if (item instanceof Unreadable) o.dropUnreadable(item, 'delta upsert');
      else if (read.upserts.superseded.has(i)) o.dropSuperseded(item, 'delta upsert');
      else if (view.applyUpsert(item)) upserted.set(item.id, item);
      else o.dropMalformed(item, `the verifier remembers at most ${NETMAP_MAX_REMEMBERED_PEERS} peers`);
    });

    const applied: PatchEntry[] = [];
    const rekeyed = new Set<NodeId>();
    for (const patch of read.patches) {
      if (patch instanceof Unreadable) {
        o.dropUnreadable(patch);
        continue;
      }
      if (patch.rekeys && upserted.has(patch.id)) {
        const why =
          'patch: it re-keys a node this response also replaces, and Go may apply the two in either order';
        o.dropMalformed({ id: patch.id, name: upserted.get(patch.id)!.name, key: undefined }, why);
        continue;
      }
      // A patch for a node the server never described is skipped by Go, and left out here.
      if (view.applyPatch(patch) === undefined) continue;
      applied.push(patch);
      if (patch.rekeys) rekeyed.add(patch.id);
    }

    const changed: unknown[] = [];
    const removed: NodeId[] = [];
    const resent = new Set<NodeId>();
    if (judge !== undefined) {
      const ids: NodeId[] = [];
      const nodes: ViewNode[] = [];
      for (const [id, node] of view.nodes()) {
        ids.push(id);
        nodes.push(node);
      }
      const verdicts = judge(nodes.map((node) => node.entry));
      // By position, not in a map by ID: a delta to 10 000 nodes then costs no 10 000-entry map.
      const upsertVerdicts = new Map<NodeId, PeerVerdict>();
      ids.forEach((id, i) => {
        if (upserted.has(id)) upsertVerdicts.set(id, verdicts[i]!);
      });
      for (const [id, entry] of upserted) {
        const v = upsertVerdicts.get(id)!;
        if (v.ok) changed.push(entry.node);
        else {
          o.drop(entry, v, 'delta upsert');
          removed.push(id); // the daemon may hold an earlier version
        }
      }
      ids.forEach((id, i) => {
        const v = verdicts[i]!;
        const node = nodes[i]!;
        if (!upserted.has(id)) {
          if (v.ok && !node.held) {
            changed.push(node.entry.node); // refused earlier, authorised now: the daemon never had it
            resent.add(id);
          } else if (!v.ok && node.held) {
            o.drop(node.entry, v, rekeyed.has(id) ? 'patch' : 'no longer authorised');
            removed.push(id);
          }
        }
        view.setHeld(id, v.ok);
      });
    }
    const patches: unknown[] = [];
    for (const patch of applied) {
      if (view.get(patch.id)?.held === true && !resent.has(patch.id)) patches.push(patch.patch);
    }

    const removals = [...read.removals];
    for (const id of removed) if (!removals.includes(id)) removals.push(id);
    if (o.carries('PeersRemoved') || removals.length > 0) o.set('PeersRemoved', removals);
    if (o.carries('PeersChanged') || changed.length > 0) o.set('PeersChanged', changed);
    if (o.carries('PeersChangedPatch')) o.set('PeersChangedPatch', patches);
  }

  /** Hands `claim` the (Key, KeySignature) texts the filter will need and the cache lacks. */
  #uncachedClaims(
    read: MapResponseView,
    head: string,
    aside: ReadonlyMap<string, KeptVerdict> | undefined,
    reuse: Reuse | undefined,
    claim: (key: string, sig: string) => void,
  ): void {
    const consider = (key: unknown, sig: unknown, apiOnly = false): void => {
      if (apiOnly || typeof key !== 'string' || typeof sig !== 'string' || sig === '') return;
      if (this.#cache.get(sig, key) === undefined && aside?.get(sig)?.key !== key) claim(key, sig);
    };
    const each = (list: EntryList<PeerEntry>): void => {
      for (const e of list.latest) consider(e.key, e.sig, e.apiOnly);
    };
    if (reuse !== undefined) {
      // Only the entries without a verdict from the last full list.
      const { list, verdicts } = reuse;
      for (let i = 0; i < list.length; i++) {
        if (verdicts[i] === undefined && list.counts(i))
          consider(list.keys[i], list.sigs[i], list.apiOnly[i]);
      }
    } else {
      each(read.upserts);
      for (const patch of read.patches) {
        if (patch instanceof Unreadable || !patch.rekeys) continue;
        const known = this.#view.get(patch.id)?.entry;
        consider(patch.changes['Key'] ?? known?.key, patch.changes['KeySignature'] ?? known?.sig);
      }
      // Known peers need checking again only under a new head (the cache holds the rest).
      const judged = this.#view.judgedUnder;
      if (judged !== undefined && judged !== head) {
        for (const [, node] of this.#view.nodes())
          consider(node.entry.key, node.entry.sig, node.entry.apiOnly);
      }
    }
    if (read.self !== undefined) consider(read.self.key, read.self.sig);
  }
}

/** The filtered response being built (a shallow copy), and the report of what was dropped. */
class Outcome {
  readonly out: Netmap;
  readonly dropped: DroppedPeer[] = [];
  readonly #keyOf: MapResponseView['keyOf'];

  constructor(
    readonly resp: Netmap,
    read: MapResponseView,
  ) {
    this.out = { ...resp };
    this.#keyOf = read.keyOf;
  }

  /** Whether the response carries `field` (under any case). */
  carries(field: ResponseField): boolean {
    return this.#keyOf[field] !== undefined;
  }

  original(field: ResponseField): unknown {
    const key = this.#keyOf[field];
    return key === undefined ? undefined : this.resp[key];
  }

  /** Sets a field under the response's own key for it (any case reads the same to Go). */
  set(field: ResponseField, value: unknown): void {
    this.out[this.#keyOf[field] ?? field] = value;
  }

  remove(field: ResponseField): void {
    const key = this.#keyOf[field];
    if (key !== undefined) delete this.out[key];
  }

  drop(entry: Pick<Unreadable, 'id' | 'name'>, v: PeerVerdict & { ok: false }, context?: string): void {
    const detail = context === undefined ? v.detail : `${context}: ${v.detail}`;
    // Built in this order so the JSON reads key, id, name, reason, detail.
    const who: { id?: NodeId; name?: string } = {};
    if (entry.id !== undefined) who.id = entry.id;
    if (entry.name !== undefined) who.name = entry.name;
    this.dropped.push({ key: v.key, ...who, reason: v.reason, detail });
  }

  dropMalformed(entry: Pick<PeerEntry, 'id' | 'name' | 'key'>, detail: string): void {
    this.drop(entry, { ok: false, key: shownKey(entry.key), reason: 'MALFORMED_PEER', detail });
  }

  dropSuperseded(entry: PeerEntry, context?: string): void {
    const why = 'a later entry has the same node ID, and the daemon keeps only the last';
    this.dropMalformed(entry, context === undefined ? why : `${context}: ${why}`);
  }

  dropUnreadable(u: Unreadable, context?: string): void {
    this.drop(u, { ok: false, key: '', reason: 'MALFORMED_PEER', detail: u.detail }, context);
  }
}

/** A Key value as a drop report shows it: its text (cut short), or "". */
function shownKey(key: unknown): string {
  return typeof key === 'string' ? key.slice(0, 80) : '';
}
