import { isTlockError } from '../errors.js';
import { CANONICAL_DIRECT_NOT_VERIFIED, checkCanonicalDirect } from '../signing/canonical-direct.js';
import { nodeKeyAuthorizedInState } from '../signing/node-key-authorization.js';
import { SigKind } from '../model/nks.js';
import type { State } from '../model/state.js';
import { decodeBase64Transient } from '../wire/base64.js';
import { toHex } from '../wire/bytes.js';
import { formatNodeKey, parseNodeKey } from '../wire/keytext.js';
import type { PeerEntry } from './map-response.js';
import { type RotatedPeer, obsoleteNodeKeys } from './rotation-tracker.js';
import type { DropReason, PeerVerdict } from './types.js';
import type { VerdictCache } from './verdict-cache.js';

const SIGNATURE_REASONS: ReadonlySet<string> = new Set<DropReason>([
  'UNTRUSTED_KEY',
  'BAD_SIGNATURE',
  'WRONG_NODE_KEY',
  'MALFORMED_SIGNATURE',
  'SMALL_ORDER_WRAPPING_KEY',
]);

const refuse = (key: string, reason: DropReason, detail: string): PeerVerdict => ({
  ok: false,
  key,
  reason,
  detail,
});

function malformedPeer(keyText: unknown): PeerVerdict {
  if (keyText === undefined || keyText === null) return refuse('', 'MALFORMED_PEER', 'the entry has no Key');
  const shown = typeof keyText === 'string' ? keyText.slice(0, 80) : '';
  return refuse(shown, 'MALFORMED_PEER', 'the entry’s Key is not "nodekey:" followed by 64 hex digits');
}

function isBase64OrAbsent(sig: unknown): boolean {
  if (sig === undefined || sig === null) return true;
  try {
    decodeBase64Transient(sig as string, 'KeySignature');
    return true;
  } catch (e) {
    if (!isTlockError(e)) throw e;
    return false;
  }
}

function normalisedKey(keyText: string): string | undefined {
  try {
    return formatNodeKey(parseNodeKey(keyText));
  } catch {
    return undefined;
  }
}

/**
 * Judges a set of peers as Tailscale's netmap filter does: each by itself (`judgePeer`), then,
 * over all of them, keys made obsolete by a newer rotation are refused too.
 */
export function judgePeers(
  peers: readonly PeerEntry[],
  verdict: (key: unknown, sig: unknown) => PeerVerdict,
): readonly PeerVerdict[] {
  return withObsoleteRotations(peers.map((peer) => judgePeer(peer.key, peer.sig, peer.apiOnly, verdict)));
}

/**
 * One peer by itself: by its signature (`verdict`), except `UnsignedPeerAPIOnly` ones (unchecked,
 * but their Key must parse). A function of (key, sig, apiOnly) and the authority's state only.
 */
export function judgePeer(
  key: unknown,
  sig: unknown,
  apiOnly: boolean,
  verdict: (key: unknown, sig: unknown) => PeerVerdict,
): PeerVerdict {
  if (!apiOnly) return verdict(key, sig);
  const v = verdict(key, undefined);
  if (v.ok || v.reason === 'MALFORMED_PEER') return v;
  // Unchecked, but Go still decodes it: bytes that are not base64 would fail the whole response.
  if (!isBase64OrAbsent(sig)) {
    return refuse(
      v.key,
      'MALFORMED_SIGNATURE',
      'KeySignature is not base64, so a Go daemon could not read it',
    );
  }
  return { ok: true, key: v.key, rotation: undefined };
}

/**
 * The verdicts of one set of peers (`judgePeer`'s, in list order; undefined for entries that are
 * not judged) with the keys made obsolete by a newer rotation refused (API-only peers included,
 * as in Tailscale). Returns `verdicts` itself when no rotation chain is authorised.
 */
export function withObsoleteRotations<V extends PeerVerdict | undefined>(
  verdicts: readonly V[],
): readonly V[] {
  const rotated: RotatedPeer[] = [];
  for (const v of verdicts)
    if (v?.ok === true && v.rotation !== undefined) rotated.push({ key: v.key, rotation: v.rotation });
  if (rotated.length === 0) return verdicts;
  const obsolete = obsoleteNodeKeys(rotated);
  return Array.from(verdicts, (v): V => {
    const why = v?.ok === true ? obsolete.get(v.key) : undefined;
    return why === undefined
      ? v
      : ({ ok: false, key: v!.key, reason: 'OBSOLETE_ROTATION', detail: why } as V);
  });
}

/**
 * The verdict on one (Key, KeySignature) pair of a map-response entry under `state`
 * (`nodeKeyAuthorizedInState`), through `cache`, which must already be set to the state's head.
 */
export function peerVerdict(
  state: State,
  cache: VerdictCache,
  keyText: unknown,
  sigText: unknown,
): PeerVerdict {
  if (typeof keyText !== 'string') return malformedPeer(keyText);
  if (typeof sigText === 'string' && sigText.length > 0) {
    const hit = cache.get(sigText, keyText);
    if (hit !== undefined) return hit;
    const verdict = computeVerdict(state, keyText, sigText);
    cache.set(sigText, keyText, verdict);
    return verdict;
  }
  const key = normalisedKey(keyText);
  if (key === undefined) return malformedPeer(keyText);
  if (sigText === undefined || sigText === null || sigText === '') {
    return refuse(key, 'MISSING_SIGNATURE', 'the peer has no KeySignature');
  }
  return refuse(key, 'MALFORMED_SIGNATURE', 'KeySignature is not a base64 string');
}

/**
 * The uncached verdict on a (Key, KeySignature) text pair: pure, so worker threads can run it.
 * A canonical Direct signature takes the fused fast path (`checkCanonicalDirect`), which answers
 * only where it gives the general path's verdict (`fullVerdict`) byte for byte; there, a key
 * text it accepts is already the lower-case `nodekey:` text a verdict carries.
 */
export function computeVerdict(state: State, keyText: string, sigText: string): PeerVerdict {
  const fast = checkCanonicalDirect(state, keyText, sigText);
  if (fast === 'authorised') return { ok: true, key: keyText, rotation: undefined };
  if (fast === 'bad-signature') return refuse(keyText, 'BAD_SIGNATURE', CANONICAL_DIRECT_NOT_VERIFIED);
  return fullVerdict(state, keyText, sigText);
}

/**
 * computeVerdict by the general path: decode the signature and check it with
 * `nodeKeyAuthorizedInState`. The reference the fast path is tested against.
 */
export function fullVerdict(state: State, keyText: string, sigText: string): PeerVerdict {
  let nodeKey: Uint8Array;
  try {
    nodeKey = parseNodeKey(keyText);
  } catch {
    return malformedPeer(keyText);
  }
  const key = 'nodekey:' + keyText.slice(8).toLowerCase(); // = formatNodeKey(nodeKey), cheaper
  let sigBytes: Uint8Array;
  try {
    // Read only within nodeKeyAuthorizedInState below, which keeps copies of what it returns.
    sigBytes = decodeBase64Transient(sigText, 'KeySignature');
  } catch (e) {
    if (!isTlockError(e)) throw e;
    return refuse(key, 'MALFORMED_SIGNATURE', e.message);
  }
  try {
    const auth = nodeKeyAuthorizedInState(state, nodeKey, sigBytes);
    if (auth.initialSig === undefined) return { ok: true, key, rotation: undefined };
    const initial = auth.initialSig;
    return {
      ok: true,
      key,
      rotation: {
        prev: auth.prevNodeKeys.map(formatNodeKey),
        group:
          initial.sigKind === SigKind.Direct ? toHex(initial.wrappingPubkey ?? new Uint8Array(0)) : undefined,
      },
    };
  } catch (e) {
    if (!isTlockError(e)) throw e;
    const reason = SIGNATURE_REASONS.has(e.code) ? (e.code as DropReason) : 'MALFORMED_SIGNATURE';
    return refuse(key, reason, e.message);
  }
}
