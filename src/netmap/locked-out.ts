import type { PeerVerdict } from './types.js';

/**
 * The message for a node whose own signature does not verify (Tailscale sets a "locked out"
 * health warning). Peers drop this node, so it says what an admin runs to fix it.
 * The node's own TL key (for `--rotation`) is not in a map response, so it is not offered.
 */
export function lockedOutMessage(verdict: PeerVerdict & { ok: false }): string {
  const key = verdict.key;
  return (
    `This node is locked out by Tailnet Lock: its node key ${key} is not authorised ` +
    `(${verdict.reason}: ${verdict.detail}). Its peers will drop it until an admin with a trusted ` +
    `Tailnet Lock key signs it, with: tlock sign nodekey ${key}`
  );
}
