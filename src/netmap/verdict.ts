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
