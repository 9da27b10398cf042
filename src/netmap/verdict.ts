import type { State } from '../model/state.js';
import type { DropReason } from './types.js';

/** What a verified rotation chain tells the rotation tracker (reference §5.2). */
export interface RotationFacts {
  /** The chain's previous node keys as lower-case `nodekey:` text, newest first. */
  readonly prev: readonly string[];
  /** Hex of the wrapping key of the chain's initial Direct signature; undefined for credential chains. */
  readonly group: string | undefined;
}

export type PeerVerdict =
  | { readonly ok: true; readonly key: string; readonly rotation: RotationFacts | undefined }
  | { readonly ok: false; readonly key: string; readonly reason: DropReason; readonly detail: string };

/**
 * Computes verdicts for many (Key, KeySignature) text pairs at once, e.g. on worker threads
 * (src/pool/). Each verdict must equal `computeVerdict(state, key, sig)`.
 */
export interface VerdictBatcher {
  verdicts(state: State, claims: readonly (readonly [key: string, sig: string])[]): Promise<PeerVerdict[]>;
}
