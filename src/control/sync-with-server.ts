import { TlockError } from '../errors.js';
import { Authority } from '../authority/authority.js';
import { chainContains } from '../authority/chain.js';
import { type StoredAUM, chainReads } from '../authority/chain-reads.js';
import type { AumStore } from '../authority/store.js';
import { CONTROL_SYNC_BODY_LIMIT, CONTROL_SYNC_ROUNDS } from '../limits.js';
import { type AUM, aumHash, encodeAUM } from '../model/aum.js';
import { OverlayStore } from '../store/overlay-store.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';
import { toHex } from '../wire/bytes.js';
import type { ControlClient } from './client.js';
import type { HeadMemory } from './head-memory.js';
import { type ServerChainFacts, judgeServerChain, rollbackError } from './server-chain-verdict.js';

export interface SyncWithServerOptions {
  client: ControlClient;
  authority: Authority;
  store: AumStore;
  /**
   * The newest server head this node verified. With it, a server offering an older chain is
   * refused (ROLLBACK) and nothing local changes; without it, there is no rollback protection.
   */
  memory?: HeadMemory;
}

export interface SyncResult {
  /** Our head before and after. */
  before: string;
  after: string;
  /** The server's head at the end (its answer to our last sync/send). */
  serverHead: string;
  /** AUMs the server sent us (some we may have held already), and AUMs we sent it. */
  received: number;
  sent: number;
  /** Whether the server's head is ours at the end; if not, the server kept another chain. */
  converged: boolean;
}

/** The server's AUMs with their hashes, computed once. */
function withHashes(aums: AUM[]): StoredAUM[] {
  return aums.map((aum) => ({ aum, hash: aumHash(aum) }));
}

/**
 * The two-way sync of Tailscale's client (docs/ARCHITECTURE.md, "The client"): send our
 * offer; check the chain the server answers with against the head we remember; compute what
 * the server lacks (before applying its AUMs, as Tailscale does); apply its AUMs with
 * `Authority.inform` (verified, all or nothing); always send ours (sync/send), in parts under the
 * body limit. A server that sends its chain in parts gets further rounds. Throws ROLLBACK (and
 * changes nothing) when the server's chain lacks the remembered head and does not win fork
 * resolution against it; any other failure leaves at most the AUMs already verified and stored.
 */
export async function syncWithServer(opts: SyncWithServerOptions): Promise<SyncResult> {
  const { client, authority, store, memory } = opts;
  const remembered = await memory?.load();
  const before = authority.head;
  let received = 0;
  let sent = 0;
  let serverHead = '';
  let offeredHead = '';
  for (let round = 0; ; round++) {
    if (round === CONTROL_SYNC_ROUNDS) {
      throw new TlockError(
        'LIMIT',
        `the server was still sending AUMs after ${round} sync rounds; sync again`,
      );
    }
    const offer = await authority.syncOffer(store);
    const control = await client.syncOffer(offer);
    const batch = withHashes(control.missingAUMs);
    offeredHead = control.head;
    const last = batch[batch.length - 1];
    // A server short of room sends its chain in parts: judge the part we got.
    const partial = last !== undefined && !batch.some((a) => hashToBase32(a.hash) === control.head);
    const serverTip = partial ? hashToBase32(last.hash) : control.head;
    await refuseRollback(store, batch, serverTip, remembered);
    if (control.head === offer.head) {
      serverHead = control.head;
      break;
    }
    const toSend = await authority.missingAUMs(store, control);
    received += batch.length;
    // Only what we lack: a batch that then extends our head in a line takes inform's fast path.
    const fresh = await unstored(store, batch);
    if (fresh.length > 0) await authority.inform(store, fresh);
    serverHead = await sendAll(client, authority.head, toSend);
    sent += toSend.length;
    if (!partial) break;
  }
  if (memory !== undefined)
    await advanceMemory(memory, store, authority, remembered, [serverHead, offeredHead]);
  return {
    before,
    after: authority.head,
    serverHead,
    received,
    sent,
    converged: serverHead === authority.head,
  };
}

/** The AUMs of `batch` that `store` does not hold. */
async function unstored(store: AumStore, batch: StoredAUM[]): Promise<AUM[]> {
  const reads = chainReads(store);
  const out: AUM[] = [];
  for (const a of batch) if ((await reads.get(a.hash)) === undefined) out.push(a.aum);
  return out;
}

/** sync/send, split so that no request passes the body limit; always at least one (Tailscale's step 6). */
async function sendAll(client: ControlClient, head: string, aums: AUM[]): Promise<string> {
  const budget = CONTROL_SYNC_BODY_LIMIT - 64 * 1024;
  let part: AUM[] = [];
  let size = 0;
  let serverHead: string | undefined;
  for (const aum of aums) {
    const cost = Math.ceil((encodeAUM(aum).length * 4) / 3) + 8;
    if (part.length > 0 && size + cost > budget) {
      serverHead = await client.syncSend(head, part);
      part = [];
      size = 0;
    }
    part.push(aum);
    size += cost;
  }
  if (part.length > 0 || serverHead === undefined) serverHead = await client.syncSend(head, part);
  return serverHead;
}

/** Gathers the facts for judgeServerChain and throws ROLLBACK when it refuses; touches nothing. */
async function refuseRollback(
  store: AumStore,
  batch: StoredAUM[],
  serverTip: string,
  remembered: string | undefined,
): Promise<void> {
  if (remembered === undefined || remembered === serverTip) return;
  const ours = chainReads(store);
  const sent = new Map(batch.map((a) => [toHex(a.hash), a]));
  const serverReads = { get: async (h: Uint8Array) => sent.get(toHex(h)) ?? (await ours.get(h)) };
  const tip = hashFromBase32(serverTip);
  const r = hashFromBase32(remembered);
  const facts: ServerChainFacts = {
    remembered,
    serverHead: serverTip,
    serverChainHasRemembered: await chainContains(serverReads, tip, r),
    serverHeadIsOlder: await chainContains(ours, r, tip),
    rememberedStored: (await ours.get(r)) !== undefined,
  };
  let verdict = judgeServerChain(facts);
  if (verdict.kind === 'resolve-forks') {
    // Try the server's AUMs on a copy-on-write view: which chain would fork resolution pick?
    const trial = new OverlayStore(store);
    const authority = await Authority.open(trial);
    const fresh = await unstored(store, batch);
    if (fresh.length > 0) await authority.inform(trial, fresh);
    const head = authority.headHash;
    const trialReads = chainReads(trial);
    facts.serverChainWins =
      (await chainContains(trialReads, head, tip)) && !(await chainContains(trialReads, head, r));
    verdict = judgeServerChain(facts);
  }
  const error = rollbackError(verdict);
  if (error !== undefined) throw error;
}

/**
 * Remembers the server's head when we hold it on our active chain and it is not older than the
 * remembered one (or the remembered one lost fork resolution meanwhile).
 */
async function advanceMemory(
  memory: HeadMemory,
  store: AumStore,
  authority: Authority,
  remembered: string | undefined,
  candidates: string[],
): Promise<void> {
  const ourHead = authority.headHash;
  const reads = chainReads(store);
  for (const candidate of candidates) {
    if (candidate === '') continue;
    if (candidate === remembered) return;
    const c = hashFromBase32(candidate);
    if (!(await chainContains(reads, ourHead, c))) continue;
    if (remembered !== undefined) {
      const r = hashFromBase32(remembered);
      const newer = (await chainContains(reads, c, r)) || !(await chainContains(reads, ourHead, r));
      if (!newer) continue;
    }
    await memory.save(candidate);
    return;
  }
}

/** The server's head and how many AUMs of its chain we lack, without changing anything (status). */
export async function fetchServerHead(
  client: ControlClient,
  authority: Authority,
  store: AumStore,
): Promise<{ head: string; missing: number }> {
  const control = await client.syncOffer(await authority.syncOffer(store));
  return { head: control.head, missing: control.missingAUMs.length };
}
