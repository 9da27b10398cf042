import { chainContains, walkBack } from '../src/authority/chain.js';
import { chainReads } from '../src/authority/chain-reads.js';
import { ServerRefused } from '../src/control/json-request.js';
import { MAX_CHAIN_WALK } from '../src/limits.js';
import { aumHash, aumParent, decodeAUM } from '../src/model/aum.js';
import { hashFromBase32, hashToBase32 } from '../src/wire/base32.js';
import { bytesEqual, toHex } from '../src/wire/bytes.js';
import type { LocalAuthority } from './local-authority.js';
import type { ServerConnection } from './server-connection.js';

/*
 * `status --server`: the server's head beside ours, read without changing anything on either
 * side (one sync/offer, or a bootstrap when this directory has no chain). A server that withholds
 * new AUMs (a freeze) looks healthy to its nodes; an admin who holds those AUMs sees it here.
 */

export type ServerRelation =
  /** Same head. */
  | 'in-sync'
  /** The server holds AUMs on top of our head: "tlock sync" fetches them. */
  | 'server-ahead'
  /** Our head extends the server's: it lacks AUMs we hold (not sent yet, or withheld: a freeze). */
  | 'server-behind'
  /** The server's head is older than the one this directory verified from it before. */
  | 'rolled-back'
  /** The two chains forked; a sync lets fork resolution pick. */
  | 'diverged'
  /** The server holds no chain (an admin's "tlock sync" publishes one). */
  | 'server-has-no-chain'
  /** Tailnet Lock was disabled at the server. */
  | 'server-disabled'
  /** This directory holds no chain; the server's genesis is shown to pin. */
  | 'no-local-chain';

export interface ServerView {
  url: string;
  relation: ServerRelation;
  head?: string;
  /** With no local chain: the genesis the server hands out. */
  genesis?: string;
  /** AUMs of the server's chain we lack, as it says (server-ahead, diverged). */
  missing: number;
  /** AUMs of our chain past the server's head (server-behind, rolled-back). */
  behind: number;
  /** The newest server head this directory verified (`<dir>/verified-head`). */
  verifiedHead?: string;
}

/** What the server holds compared with this directory; changes nothing. */
export async function viewServer(
  conn: ServerConnection,
  local: LocalAuthority | undefined,
): Promise<ServerView> {
  const verifiedHead = await conn.memory.load();
  const base = {
    url: conn.url,
    missing: 0,
    behind: 0,
    ...(verifiedHead === undefined ? {} : { verifiedHead }),
  };
  if (local === undefined) {
    const b = await conn.client.bootstrap('');
    if (b.genesisAUM !== undefined) {
      return { ...base, relation: 'no-local-chain', genesis: hashToBase32(aumHash(decodeAUM(b.genesisAUM))) };
    }
    return {
      ...base,
      relation: b.disablementSecret !== undefined ? 'server-disabled' : 'server-has-no-chain',
    };
  }
  let control;
  try {
    control = await conn.client.syncOffer(await local.authority.syncOffer(local.store));
  } catch (e) {
    if (e instanceof ServerRefused && e.status === 404 && e.serverCode === 'NOT_FOUND') {
      return { ...base, relation: 'server-has-no-chain' };
    }
    if (e instanceof ServerRefused && e.status === 409) return { ...base, relation: 'server-disabled' };
    throw e;
  }
  const head = control.head;
  const missing = control.missingAUMs.length;
  if (head === local.authority.head) return { ...base, relation: 'in-sync', head, missing };
  const reads = chainReads(local.store);
  const serverHash = hashFromBase32(head);
  const ours = local.authority.headHash;
  if (await chainContains(reads, ours, serverHash)) {
    const behind = (await walkBack(reads, ours, MAX_CHAIN_WALK, toHex(serverHash))).length - 1;
    const older =
      verifiedHead !== undefined &&
      verifiedHead !== head &&
      (await chainContains(reads, hashFromBase32(verifiedHead), serverHash));
    return { ...base, relation: older ? 'rolled-back' : 'server-behind', head, missing, behind };
  }
  const first = control.missingAUMs[0];
  const parent = first === undefined ? undefined : aumParent(first);
  const ahead = parent !== undefined && bytesEqual(parent, ours);
  return { ...base, relation: ahead ? 'server-ahead' : 'diverged', head, missing };
}

/** The view as lines of `tlock status`. */
export function serverViewText(v: ServerView): string[] {
  const sync = `tlock sync --server ${v.url}`;
  const lines = [`Server ${v.url}: ${v.head === undefined ? 'no head' : `head ${v.head}`}`];
  const plural = (n: number): string => `${n} AUM${n === 1 ? '' : 's'}`;
  switch (v.relation) {
    case 'in-sync':
      lines.push('\tin sync with this directory.');
      break;
    case 'server-ahead':
      lines.push(`\tthe server holds ${plural(v.missing)} this directory lacks: run "${sync}".`);
      break;
    case 'server-behind':
      lines.push(
        `\tthe server lacks the newest ${plural(v.behind)} this directory holds: send them with "${sync}".`,
        '\tIf they were sent before and the server still lacks them, it is withholding them (a freeze):',
        '\tits nodes are not told about these changes. Compare with the other admins.',
      );
      break;
    case 'rolled-back':
      lines.push(
        `\tROLLBACK: the server's head is older than head ${v.verifiedHead}, which this directory verified from it`,
        '\tbefore: it lost data or is withholding updates. "tlock sync" refuses it.',
      );
      break;
    case 'diverged':
      lines.push(
        `\tthe server's chain and this directory's have forked (${plural(v.missing)} of the server's are not here);`,
        `\t"${sync}" exchanges them and fork resolution picks one.`,
      );
      break;
    case 'server-has-no-chain':
      lines.push('\tthe server holds no Tailnet Lock chain (an admin\'s "tlock sync" publishes this one).');
      break;
    case 'server-disabled':
      lines.push('\tTailnet Lock was disabled at the server.');
      break;
    case 'no-local-chain':
      lines.push(
        `\tthe server hands out genesis ${v.genesis}; start from it with "${sync} --pin ${v.genesis}"`,
        '\tonce your admin has confirmed that hash.',
      );
      break;
  }
  return lines;
}

/** The view as the `Server` field of `status --json`. */
export function serverViewJSON(v: ServerView): Record<string, unknown> {
  return {
    URL: v.url,
    Head: v.head,
    Relation: v.relation,
    Missing: v.missing,
    Behind: v.behind,
    VerifiedHead: v.verifiedHead,
    Genesis: v.genesis,
  };
}
