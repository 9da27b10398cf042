import { TlockError } from '../errors.js';
import { MAX_CHAIN_WALK, SYNC_OFFER_WALK } from '../limits.js';
import { AUMKind, cloneAUM } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';
import { toHex } from '../wire/bytes.js';
import { type StoredAUM, chainReads } from './chain-reads.js';
import { walkBack } from './chain.js';
import type { AumStore } from './store.js';

/**
 * What one side tells the other about its chain (docs/FORMAT.md §9.1): its head, and some of its
 * ancestors, newest first, the last being its oldest stored ancestor. Hashes are base32 text.
 */
export interface SyncOffer {
  head: string;
  ancestors: string[];
}

/**
 * docs/FORMAT.md §9.1 (the newer shape): the head, every checkpoint among the newest
 * SYNC_OFFER_WALK AUMs (the head included, the oldest ancestor excluded), then the oldest
 * ancestor. Older peers list AUMs 4, 16, 64, 256 back instead; `missingAUMs` answers both.
 */
export async function buildSyncOffer(
  store: AumStore,
  head: Uint8Array,
  oldest: Uint8Array,
): Promise<SyncOffer> {
  const oldestHex = toHex(oldest);
  const recent = await walkBack(chainReads(store), head, SYNC_OFFER_WALK, oldestHex);
  const ancestors = recent
    .filter((s) => s.aum.messageKind === AUMKind.Checkpoint && toHex(s.hash) !== oldestHex)
    .map((s) => hashToBase32(s.hash));
  ancestors.push(hashToBase32(oldest));
  return { head: hashToBase32(head), ancestors };
}

function parseOffer(remote: SyncOffer): { head: Uint8Array; ancestors: Uint8Array[] } {
  if (typeof remote !== 'object' || remote === null || !Array.isArray(remote.ancestors)) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      'missingAUMs: the remote offer must be { head: string, ancestors: string[] } (base32 AUM hashes)',
    );
  }
  return { head: hashFromBase32(remote.head), ancestors: remote.ancestors.map((a) => hashFromBase32(a)) };
}

/**
 * docs/FORMAT.md §9.2: the AUMs of our active chain the remote may lack, oldest first, after
 * the newest point both chains share. Up to date: []. Head intersection: the remote's head is
 * among our newest SYNC_OFFER_WALK AUMs. Tail intersection: the first of the remote's
 * ancestors (in its order) on our chain. Otherwise NO_INTERSECTION. Only our active chain is
 * ever sent. Linear in our chain's length (Tailscale stops at 2000 AUMs).
 */
export async function computeMissingAUMs(
  store: AumStore,
  head: Uint8Array,
  remoteOffer: SyncOffer,
): Promise<AUM[]> {
  const remote = parseOffer(remoteOffer);
  const reads = chainReads(store);
  const headHex = toHex(head);
  const remoteHeadHex = toHex(remote.head);
  if (remoteHeadHex === headHex) return [];
  // What we read is the store's own: the caller gets copies.
  const handOut = (newestFirst: readonly StoredAUM[]): AUM[] =>
    newestFirst.map((s) => cloneAUM(s.aum)).reverse();

  if ((await reads.get(remote.head)) !== undefined) {
    const recent = await walkBack(reads, head, SYNC_OFFER_WALK);
    const i = recent.findIndex((s) => toHex(s.hash) === remoteHeadHex);
    if (i >= 0) return handOut(recent.slice(0, i));
  }

  const chain = await walkBack(reads, head, MAX_CHAIN_WALK + 1);
  if (chain.length > MAX_CHAIN_WALK) {
    throw new TlockError(
      'LIMIT',
      `our chain is longer than ${MAX_CHAIN_WALK} AUMs (MAX_CHAIN_WALK); compact the store`,
    );
  }
  const position = new Map<string, number>();
  chain.forEach((s, i) => position.set(toHex(s.hash), i));
  for (const ancestor of remote.ancestors) {
    const i = position.get(toHex(ancestor));
    if (i !== undefined) return handOut(chain.slice(0, i));
  }
  throw new TlockError(
    'NO_INTERSECTION',
    `no intersection: neither the remote head ${remoteOffer.head} nor any of its ${remote.ancestors.length} ancestors is on our chain; the chains diverged before either side's oldest ancestor, so one side must be re-bootstrapped`,
  );
}
