import type { State } from '../model/state.js';
import { type Judgement, judgePeers } from './judge-peers.js';
import { lockedOutMessage } from './locked-out.js';
import { peerVerdict } from './peer-verdict.js';
import { type ServerView, isObject, nodeIdKey } from './server-view.js';
import type { DroppedPeer, Netmap, NetmapVerdict } from './types.js';
import type { PeerVerdict } from './verdict.js';
import type { VerdictCache } from './verdict-cache.js';

// One map response through the verifier (see NetmapVerifier in verifier.ts for the rules).

/** Patch fields that cannot change any verdict: a response with only these needs no new judgement. */
const HARMLESS_PATCH_FIELDS: ReadonlySet<string> = new Set([
  'NodeID',
  'DERPRegion',
  'Endpoints',
  'Online',
  'LastSeen',
]);

type NodeId = number | string;

/** What the verifier remembers between map responses. */
export interface PeerMemory {
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

export const listOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

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

/** One filter() call: reads the input, builds the output, never writes to the input. */
export class FilterRun {
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
