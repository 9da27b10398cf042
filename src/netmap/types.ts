import type { State } from '../model/state.js';

/**
 * Tailscale's map-response JSON, parsed, as much as the verifier reads; every other field passes
 * through untouched.
 */
export interface Netmap {
  /** This node. Checked, never removed. */
  Node?: unknown;
  /** A full peer list. */
  Peers?: unknown;
  /** Delta: peers added or replaced. */
  PeersChanged?: unknown;
  /** Delta: node IDs removed. */
  PeersRemoved?: unknown;
  /** Delta: partial changes; those that set `Key` or `KeySignature` are checked. */
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
  /** The peer's `ID` (`NodeID` in a patch), when it has one. */
  id?: number | string;
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
