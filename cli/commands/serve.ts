import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { ControlServer, FileTailnetStores, TlockError } from '../../src/index.js';

interface ServeArgs {
  listen: string;
  data: string;
}

/** HOST:PORT, with an IPv6 host in brackets ([::1]:8080); port 0 picks a free one. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      `--listen ${JSON.stringify(text)}: expected HOST:PORT, such as 127.0.0.1:8080, [::1]:8080 or 127.0.0.1:0 (a free port)`,
    );
  }
  return { host: m[1] ?? m[2]!, port };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function runServe(args: ServeArgs): Promise<void> {
  const { host, port } = parseListen(args.listen);
  const dataDir = resolve(args.data);
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new TlockError('STORAGE', `cannot create the data directory ${dataDir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const log = (line: string): void => void process.stderr.write(`tlock serve: ${line}\n`);
  const server = new ControlServer({ stores: new FileTailnetStores(dataDir), log });
  let address;
  try {
    address = await server.listen(port, host);
  } catch (e) {
    throw new TlockError(
      'NETWORK',
      `cannot listen on ${args.listen}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      {
        cause: e,
      },
    );
  }
  // Handlers first: a supervisor may signal as soon as it reads the line below.
  const stopped = new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      log(`${signal}: stopping (requests in progress finish first)`);
      // A second signal means "now".
      process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 0));
      void server.close().then(() => {
        process.exitCode = signal === 'SIGINT' ? 130 : 0;
        done();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  process.stdout.write(`listening on http://${urlHost(host)}:${address.port}\n`);
  await stopped;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: "Run a Tailnet Lock coordination server (Tailscale's /machine/tka/… messages)",
  builder: (y: Argv): Argv<ServeArgs> =>
    y
      .option('listen', {
        type: 'string',
        demandOption: true,
        describe: 'HOST:PORT to listen on (port 0: any free port, printed when ready)',
      })
      .option('data', {
        type: 'string',
        demandOption: true,
        describe: 'Directory of the tailnets’ chains, signatures and settings (created 0700)',
      })
      .example('$0 serve --listen 127.0.0.1:8080 --data /var/lib/tlock', 'serve on port 8080 of loopback')
      .epilogue(
        [
          'Prints "listening on http://HOST:PORT" on stdout when ready; one line per',
          'refused request on stderr. Plain HTTP: put it behind your own TLS.',
          'Stops cleanly on SIGTERM (exit 0) or SIGINT (exit 130).',
        ].join('\n'),
      ),
  handler: (argv: ArgumentsCamelCase<ServeArgs>) => runServe(argv),
};
