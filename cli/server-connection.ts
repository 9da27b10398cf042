import { ControlClient } from '../src/control/client.js';
import { FileHeadMemory } from '../src/control/head-memory.js';
import { ServerRefused } from '../src/control/json-request.js';
import { type SyncResult, syncWithServer } from '../src/control/sync-with-server.js';
import { submitChange } from '../src/control/change-submission.js';
import { isTlockError } from '../src/errors.js';
import type { AUM } from '../src/model/aum.js';
import { parseNodeKey } from '../src/wire/keytext.js';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import { uninterrupted } from './interrupt.js';
import type { LocalAuthority } from './local-authority.js';
import { verifiedHeadFile } from './state-dir.js';

/** The values of `--server` and `--node-key` (server-options.ts declares them). */
export interface ServerOptionValues {
  server: string | undefined;
  'node-key': string | undefined;
}

/** A coordination server this command talks to, and where this node remembers what it verified. */
export interface ServerConnection {
  url: string;
  client: ControlClient;
  /** The newest server head verified here (`<dir>/verified-head`): a server offering less is refused. */
  memory: FileHeadMemory;
  close(): void;
}

/** Opens the connection `--server` names (server-options.ts#connectServer loads this module for it). */
export function openConnection(
  stateDir: string,
  options: ServerOptionValues,
  timeoutMs?: number,
): ServerConnection {
  if (options.server === undefined) throw usageError('--node-key goes with --server URL');
  let nodeKey: Uint8Array | undefined;
  if (options['node-key'] !== undefined) {
    try {
      nodeKey = parseNodeKey(options['node-key']);
    } catch (e) {
      if (!isTlockError(e)) throw e;
      throw usageError(`--node-key: expected nodekey:<64 hex> (${e.message})`);
    }
  }
  let client: ControlClient;
  try {
    client = new ControlClient(options.server, {
      ...(nodeKey === undefined ? {} : { nodeKey }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(`--server: ${e.message}`);
  }
  const url = client.baseURL.href.replace(/\/$/, '');
  return { url, client, memory: new FileHeadMemory(verifiedHeadFile(stateDir)), close: () => client.close() };
}

/** Codes that mean the server's chain (not our store, not the network) was refused. */
const REFUSED_CHAIN = new Set([
  'DECODE',
  'INVALID_AUM',
  'REJECTED_AUM',
  'BAD_SIGNATURE',
  'UNTRUSTED_KEY',
  'NO_INTERSECTION',
  'LIMIT',
]);

/**
 * Tailscale's two-way sync of the local authority with the server, refusing rollbacks against
 * `<dir>/verified-head`. An AUM the server sent that does not verify is status 1 ("the answer is
 * no"), saying that what it sent was not stored; a rollback is status 1 (ROLLBACK) and changes
 * nothing; the network is status 3.
 */
export async function syncLocal(conn: ServerConnection, local: LocalAuthority): Promise<SyncResult> {
  const before = local.authority.head;
  try {
    return await syncWithServer({
      client: conn.client,
      authority: local.authority,
      store: local.store,
      memory: conn.memory,
    });
  } catch (e) {
    if (isTlockError(e) && REFUSED_CHAIN.has(e.code)) {
      const now = local.authority.head;
      const kept = now === before ? `nothing was stored (head still ${now})` : `head now ${now}`;
      throw new CliError(
        EXIT.REFUSED,
        e.code,
        `refused what the server ${conn.url} sent: ${e.message}; ${kept}. The server is broken or hostile: check it before trusting anything it says`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** Whether an error is the server saying it holds no Tailnet Lock chain (so an admin may publish one). */
export function serverHasNoChain(e: unknown): boolean {
  return e instanceof ServerRefused && e.status === 404 && e.serverCode === 'NOT_FOUND';
}

/**
 * Publishes an admin's update (built on the head just synced) as Tailscale's `lock add` does, an
 * interactive sync/send that the server stores only if it extends its head; then stores it here.
 * A refusal changes nothing on either side and says why: 409 means the head moved.
 */
export async function publishChange(
  conn: ServerConnection,
  local: LocalAuthority,
  aums: AUM[],
): Promise<void> {
  let head: string;
  try {
    head = await submitChange(conn.client, aums);
  } catch (e) {
    if (e instanceof ServerRefused) {
      const why =
        e.status === 409
          ? 'its head moved (another admin changed the authority meanwhile); run the command again, it syncs first'
          : 'see its reason below';
      throw new CliError(
        EXIT.REFUSED,
        'SERVER_REFUSED',
        `${conn.url} refused the change: ${why}. Nothing was changed, here or on the server.\n${e.message}`,
        { cause: e },
      );
    }
    if (isTlockError(e, 'NETWORK')) {
      throw new CliError(
        EXIT.IO,
        'NETWORK',
        `${e.message}\nThe change was not stored here, and the server may or may not have it: run "tlock sync --server ${conn.url}" and check "tlock log" before trying again.`,
        { cause: e },
      );
    }
    throw e;
  }
  await uninterrupted(() => local.authority.inform(local.store, aums));
  await conn.memory.save(head);
}

/** Submits node-key signatures (`sign`); one the server refuses is status 1, naming its node key. */
export async function submitSignatures(
  conn: ServerConnection,
  signatures: readonly Uint8Array[],
  nodeKeys: readonly string[],
): Promise<void> {
  for (const [i, signature] of signatures.entries()) {
    try {
      await conn.client.submitSignature(signature);
    } catch (e) {
      if (!(e instanceof ServerRefused)) throw e;
      const done = i === 0 ? 'none was submitted' : `the ${i} before it were submitted`;
      throw new CliError(
        EXIT.REFUSED,
        'SERVER_REFUSED',
        `${conn.url} refused the signature for ${nodeKeys[i]} (${done}): ${e.message}`,
        { cause: e },
      );
    }
  }
}
