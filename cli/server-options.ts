import type { OptionSpecs } from './command-spec.js';
import { requireLocalAuthority, type LocalAuthority } from './local-authority.js';
import type { Output } from './output.js';
import type { ServerConnection, ServerOptionValues } from './server-connection.js';

/*
 * `--server` and `--node-key`, for every command that can talk to a coordination server. This
 * file stays light: the client and the sync load (server-connection.ts) only when --server is
 * given, so offline commands start as fast as before.
 */

export const SERVER_OPTIONS = {
  server: {
    type: 'string',
    placeholder: 'URL',
    describe: 'coordination server (tlock serve): http://HOST:PORT, or http://HOST:PORT/t/<tailnet>',
  },
  'node-key': {
    type: 'string',
    placeholder: 'NODEKEY',
    describe: "this machine's node key, sent with every request (default: nodekey: and 64 zeros)",
  },
} as const satisfies OptionSpecs;

/** The connection `--server` asks for, or undefined without it. Bad URLs and keys are status 2. */
export async function connectServer(
  stateDir: string,
  options: ServerOptionValues,
  timeoutMs?: number,
): Promise<ServerConnection | undefined> {
  if (options.server === undefined && options['node-key'] === undefined) return undefined;
  const { openConnection } = await import('./server-connection.js');
  return openConnection(stateDir, options, timeoutMs);
}

/**
 * The local authority, which a command is about to change or sign with: with a server, first
 * synced with it (both ways), so that the change builds on the server's head and the checks see
 * the keys the tailnet trusts now. Without one, as stored.
 */
export async function requireCurrentAuthority(
  stateDir: string,
  conn: ServerConnection | undefined,
  out: Output,
): Promise<LocalAuthority> {
  const local = await requireLocalAuthority(stateDir);
  if (conn !== undefined) {
    const { syncLocal } = await import('./server-connection.js');
    const r = await syncLocal(conn, local);
    if (r.before !== r.after) out.progress(`Synced with ${conn.url}: head ${r.after} (was ${r.before}).`);
  }
  return local;
}

/** Runs `fn` with the connection, closing it afterwards (its idle sockets would keep the process alive). */
export async function withServer<T>(conn: ServerConnection | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    conn?.close();
  }
}
