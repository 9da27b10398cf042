import { TlockError } from '../errors.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';

/*
 * Whether to follow a server's chain, given what a node remembers: pure decisions, with the
 * facts gathered (from the stores) by sync-with-server.ts.
 *
 * A node remembers the newest head it verified from its server. A server that later offers a
 * chain without that head is rolling the node back (or freezing it on an old fork), unless its
 * chain wins fork resolution against it, as a recovery (retroactive revocation) does.
 */

export interface ServerChainFacts {
  /** The newest server head this node verified before (base32), if it remembers one. */
  remembered: string | undefined;
  /** The head the server offers now. */
  serverHead: string;
  /** `remembered` is the server's head or one of its ancestors (in what we hold and were sent). */
  serverChainHasRemembered: boolean;
  /** `serverHead` is a strict ancestor of `remembered` on our chain: an older head. */
  serverHeadIsOlder: boolean;
  /** `remembered` is in our store (so fork resolution can weigh the two chains). */
  rememberedStored: boolean;
  /**
   * Fork resolution over our AUMs and the server's picked the server's chain: its head is on the
   * resulting active chain and `remembered` is not. Undefined until computed (it needs a trial).
   */
  serverChainWins?: boolean;
}

export type ServerChainVerdict =
  | { kind: 'accept' }
  /** Gather `serverChainWins` (a trial inform) and ask again. */
  | { kind: 'resolve-forks' }
  | { kind: 'refuse'; reason: 'older-head' | 'losing-fork' | 'missing-head'; message: string };

export function judgeServerChain(f: ServerChainFacts): ServerChainVerdict {
  const r = f.remembered;
  if (r === undefined || f.serverHead === r || f.serverChainHasRemembered) return { kind: 'accept' };
  if (f.serverHeadIsOlder) {
    return refuse(
      'older-head',
      `rollback refused: the server offers head ${f.serverHead}, older than head ${r} it offered before and this node verified; nothing was changed. The server lost data or is withholding updates: check it, or sync from another server`,
    );
  }
  if (!f.rememberedStored) {
    return refuse(
      'missing-head',
      `rollback refused: the server's chain (head ${f.serverHead}) does not contain head ${r}, which this node verified before and no longer holds; nothing was changed. Restore the node's chain, or, if the server is right, forget the remembered head`,
    );
  }
  if (f.serverChainWins === undefined) return { kind: 'resolve-forks' };
  if (f.serverChainWins) return { kind: 'accept' };
  return refuse(
    'losing-fork',
    `rollback refused: the server's chain (head ${f.serverHead}) does not contain head ${r}, which this node verified before, and loses fork resolution against it; nothing was changed. The server is withholding updates or serving an old fork`,
  );
}

function refuse(reason: 'older-head' | 'losing-fork' | 'missing-head', message: string): ServerChainVerdict {
  return { kind: 'refuse', reason, message };
}

/** The verdict as the error `syncWithServer` throws (ROLLBACK), or nothing when it accepts. */
export function rollbackError(v: ServerChainVerdict): TlockError | undefined {
  return v.kind === 'refuse' ? new TlockError('ROLLBACK', v.message) : undefined;
}

/**
 * Trust for a node that has no chain yet: the genesis hash it was told (a pin), or explicit
 * trust on first use. A pin mismatch is refused before anything is stored.
 */
export type BootstrapTrust = { pin: string } | { tofu: true };

export function checkGenesisPin(genesisHash: string, trust: BootstrapTrust): void {
  if ('tofu' in trust && trust.tofu === true) return;
  const pin = (trust as { pin?: unknown }).pin;
  if (typeof pin !== 'string') {
    throw new TlockError(
      'INVALID_ARGUMENT',
      'bootstrap trust: give { pin: "<genesis hash>" } or { tofu: true }',
    );
  }
  if (hashToBase32(hashFromBase32(pin)) !== genesisHash) {
    throw new TlockError(
      'PIN_MISMATCH',
      `the server's genesis is ${genesisHash}, not the pinned ${pin}: this is another authority (or the server is lying); nothing was stored`,
    );
  }
}
