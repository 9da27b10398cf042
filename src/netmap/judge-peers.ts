import type { PeerVerdict } from './verdict.js';
import { type RotatedPeer, obsoleteNodeKeys } from './rotation-tracker.js';
import { isObject } from './server-view.js';
import type { DropReason } from './types.js';

export type Judgement =
  | { readonly ok: true; readonly key: string }
  | { readonly ok: false; readonly key: string; readonly reason: DropReason; readonly detail: string };

/**
 * Judges a set of peers as Tailscale's netmap filter does (reference §5.2): every peer by its
 * signature, except `UnsignedPeerAPIOnly` ones (unchecked, but their Key must parse); then, over
 * all of them, keys made obsolete by a newer rotation are refused too (API-only peers included,
 * as in Tailscale).
 */
export function judgePeers(
  peers: readonly unknown[],
  verdict: (key: unknown, sig: unknown) => PeerVerdict,
): Judgement[] {
  const verdicts = peers.map((peer): PeerVerdict => {
    if (!isObject(peer))
      return { ok: false, key: '', reason: 'MALFORMED_PEER', detail: 'the peer entry is not an object' };
    if (peer['UnsignedPeerAPIOnly'] !== true) return verdict(peer['Key'], peer['KeySignature']);
    const v = verdict(peer['Key'], undefined);
    return !v.ok && v.reason !== 'MALFORMED_PEER' ? { ok: true, key: v.key, rotation: undefined } : v;
  });
  const rotated: RotatedPeer[] = [];
  for (const v of verdicts)
    if (v.ok && v.rotation !== undefined) rotated.push({ key: v.key, rotation: v.rotation });
  const obsolete = rotated.length > 0 ? obsoleteNodeKeys(rotated) : undefined;
  return verdicts.map((v): Judgement => {
    if (!v.ok) return v;
    const why = obsolete?.get(v.key);
    return why === undefined
      ? { ok: true, key: v.key }
      : { ok: false, key: v.key, reason: 'OBSOLETE_ROTATION', detail: why };
  });
}
