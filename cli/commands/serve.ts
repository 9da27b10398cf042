import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { TlockError } from '../../src/errors.js';
import { FileTailnetStores } from '../../src/control/file-tailnet-store.js';
import { PostgresTailnetStores } from '../../src/control/postgres-tailnet-store.js';
import { ControlServer } from '../../src/control/server.js';
import type { TailnetStores } from '../../src/control/tailnet-store.js';
import { PostgresDatabase, describeDatabaseUrl } from '../../src/store/postgres-database.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { uninterrupted } from '../interrupt.js';

/** HOST:PORT, with an IPv6 host in brackets ([::1]:8080); port 0 picks a free one. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) {
    throw usageError(
      `--listen ${JSON.stringify(text)}: expected HOST:PORT, such as 127.0.0.1:8080, [::1]:8080 or 127.0.0.1:0 (a free port)`,
    );
  }
  return { host: m[1] ?? m[2]!, port };
}

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

async function listen(server: ControlServer, host: string, port: number, text: string): Promise<AddressInfo> {
  try {
    return await server.listen(port, host);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new TlockError('NETWORK', `cannot listen on ${text}: ${why}`, { cause: e });
  }
}

/** Resolves with the signal that asked the server to stop. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      done(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Where the tailnets are kept: --data DIR, --store URL, else $TLOCK_DATABASE_URL. */
function storeChoice(data: string | undefined, store: string | undefined): { dir: string } | { url: string } {
  if (data !== undefined && store !== undefined) {
    throw usageError('give --data DIR or --store postgres://…, not both');
  }
  if (data !== undefined) return { dir: resolve(data) };
  const url = store ?? process.env['TLOCK_DATABASE_URL'];
  if (url === undefined || url === '') {
    throw usageError(
      'give --data DIR (a directory for one server) or --store postgres://… (a PostgreSQL database for several; also $TLOCK_DATABASE_URL)',
    );
  }
  try {
    describeDatabaseUrl(url);
  } catch (e) {
    const from = store === undefined ? '$TLOCK_DATABASE_URL' : '--store';
    throw usageError(`${from}: ${(e as Error).message}`);
  }
  return { url };
}

async function openStores(
  choice: { dir: string } | { url: string },
): Promise<{ stores: TailnetStores; close: () => Promise<void> }> {
  if ('url' in choice) {
    const database = await PostgresDatabase.connect(choice.url);
    return { stores: new PostgresTailnetStores(database), close: () => database.close() };
  }
  try {
    await mkdir(choice.dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new TlockError(
      'STORAGE',
      `cannot create the data directory ${choice.dir}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return { stores: new FileTailnetStores(choice.dir), close: () => Promise.resolve() };
}

export default defineCommand({
  name: 'serve',
  usage: '--listen HOST:PORT (--data DIR | --store postgres://…) [--json]',
  description: [
    "Answers Tailscale's Tailnet Lock control messages (/machine/tka/bootstrap, sync/offer,",
    'sync/send, init/begin, init/finish, sign, affected-sigs, disable) for the default tailnet,',
    'and for others under /t/<tailnet>/. It verifies every AUM and node-key signature before it',
    'stores it and holds no signing key. DIR keeps each tailnet’s chain, newest signature per',
    'node key and settings (created 0700); one server per DIR. With --store (or',
    '$TLOCK_DATABASE_URL) they are kept in PostgreSQL instead, where any number of servers can',
    'share one database behind a load balancer: each answers from what all of them stored. The',
    'tables are created or upgraded at start; a database it cannot reach, or whose tables are',
    'newer than this tlock, is status 3. Plain HTTP: put it behind your own TLS and access',
    'control.',
    '',
    'Prints "listening on http://HOST:PORT" on stdout when ready (with --json: {"URL": …});',
    'port 0 binds a free port and prints it. Refused requests are logged on stderr, one line',
    'each. SIGTERM stops it cleanly (status 0) after the requests in progress; Ctrl-C (SIGINT)',
    'does the same with status 130, a second Ctrl-C at once.',
  ].join('\n'),
  options: {
    listen: {
      type: 'string',
      placeholder: 'HOST:PORT',
      describe: 'address to listen on (port 0: any free port)',
    },
    data: {
      type: 'string',
      placeholder: 'DIR',
      describe: 'directory of the tailnets’ chains, signatures and settings',
    },
    store: {
      type: 'string',
      placeholder: 'URL',
      describe: 'PostgreSQL database instead of a directory (default $TLOCK_DATABASE_URL)',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'tlock serve --listen 127.0.0.1:8080 --data /var/lib/tlock-server',
    'tlock serve --listen [::1]:0 --data ./server --json',
    'tlock serve --listen 0.0.0.0:8080 --store postgres://tlock@db.internal/tlock',
  ],
  async run({ options, out }) {
    if (options.listen === undefined)
      throw usageError('give --listen HOST:PORT (for example 127.0.0.1:8080)');
    const { host, port } = parseListen(options.listen);
    const choice = storeChoice(options.data, options.store);
    const { stores, close } = await openStores(choice);
    const server = new ControlServer({ stores, log: (line) => out.note(`tlock serve: ${line}`) });
    let address: AddressInfo;
    try {
      address = await listen(server, host, port, options.listen);
    } catch (e) {
      await close();
      throw e;
    }
    // Ctrl-C is held back (interrupt.ts) until the server has closed; a second one exits at once.
    const signal = await uninterrupted(async () => {
      const stopped = stopSignal(); // before the line below: a supervisor may signal as soon as it reads it
      const url = `http://${urlHost(host)}:${address.port}`;
      if (out.json) out.document({ URL: url });
      else out.text(`listening on ${url}`);
      const s = await stopped;
      out.note(`tlock serve: ${s}: stopping (requests in progress finish first)`);
      await server.close();
      await close();
      return s;
    });
    return signal === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.OK;
  },
});
