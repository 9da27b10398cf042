import type { State } from '../model/state.js';

/**
 * Tailscale's map-response JSON, parsed. Field names are matched as Go matches them (any case);
 * every field the verifier does not read passes through untouched.
 */
export interface Netmap {
  /** This node. Checked, never removed. */
  Node?: unknown;
  /** A full peer list when non-empty; then every delta list beside it is ignored, as Go ignores it. */
  Peers?: unknown;
  /** Delta: peers added or replaced (applied after `PeersRemoved`). */
  PeersChanged?: unknown;
  /** Delta: node IDs removed (applied first). */
  PeersRemoved?: unknown;
  /** Delta: partial changes, applied last; only tailcfg.PeerChange fields are passed on. */
  PeersChangedPatch?: unknown;
  /** Only signals that a sync is due; never turns filtering off. */
  TKAInfo?: unknown;
  [field: string]: unknown;
}

/** Stable reasons a peer is dropped. */
export type DropReason =
  | 'MISSING_SIGNATURE'
  | 'UNTRUSTED_KEY'
  | 'BAD_SIGNATURE'
  | 'WRONG_NODE_KEY'
  | 'MALFORMED_SIGNATURE'
  | 'OBSOLETE_ROTATION'
  | 'SMALL_ORDER_WRAPPING_KEY'
  | 'MALFORMED_PEER';

export interface DroppedPeer {
  /** `nodekey:<hex>` in lower case; for MALFORMED_PEER whatever text the entry had (cut short), or "". */
  key: string;
  /** The peer's `ID` (`NodeID` in a patch; 0 when absent, as Go reads it), when it can be read. */
  id?: number;
  name?: string;
  reason: DropReason;
  detail: string;
}

export interface NetmapVerdict {
  netmap: Netmap;
  dropped: DroppedPeer[];
  /** Set when this node's own signature does not verify: says so, and the command that fixes it. */
  selfLockedOut?: string;
}

/** What the verifier needs from an authority (`Authority` satisfies it). */
export interface AuthorityView {
  /** Base32 hash of the head AUM: verdicts are cached for one head only. */
  readonly head: string;
  readonly state: State;
}

/** What a verified rotation chain tells the rotation tracker (Tailscale's rotationTracker). */
export interface RotationFacts {
  /** The chain's previous node keys as lower-case `nodekey:` text, newest first. */
  readonly prev: readonly string[];
  /** Hex of the wrapping key of the chain's initial Direct signature; undefined for credential chains. */
  readonly group: string | undefined;
}

/** The verdict on one peer: the only verdict type, from the signature check to the drop report. */
export type PeerVerdict =
  | { readonly ok: true; readonly key: string; readonly rotation: RotationFacts | undefined }
  | { readonly ok: false; readonly key: string; readonly reason: DropReason; readonly detail: string };

/** A (Key, KeySignature) text pair of a map-response entry, to be judged. */
export type VerdictClaim = readonly [key: string, sig: string];

/**
 * Verdicts handed back as they are computed: `verdicts[i]` is the verdict on `claims[i]`, which
 * was the `first + i`-th claim added to the batch (counting from 0).
 */
export type VerdictSink = (
  claims: readonly VerdictClaim[],
  verdicts: readonly PeerVerdict[],
  first: number,
) => void;

/** A batch being checked: claims go in as they are found, verdicts come out as they are computed. */
export interface VerdictBatch {
  add(key: string, sig: string): void;
  /** Resolves once every claim added has had its verdict handed to the sink; rejects if the batch failed. */
  finish(): Promise<void>;
  /**
   * Optional: hand a share of the waiting claims out now rather than as workers ask for more,
   * because the caller is about to keep its thread busy (and so unable to hand them out).
   */
  runAhead?(): void;
}

/**
 * Computes verdicts for many (Key, KeySignature) text pairs at once, e.g. on worker threads
 * (src/pool/). Each verdict must equal `computeVerdict(state, key, sig)`. `start`, when offered,
 * is used instead of `verdicts`: it lets the work begin before every claim is found.
 */
export interface VerdictBatcher {
  verdicts(state: State, claims: readonly VerdictClaim[]): Promise<PeerVerdict[]>;
  start?(state: State, sink: VerdictSink): VerdictBatch;
}
