import type { Argv } from 'yargs';
import { TlockError } from '../src/index.js';
import { hookCommand } from './commands/hook.js';
import { serveCommand } from './commands/serve.js';

/** Exit codes (design.md): 0 ok, 1 verification said no, 2 bad usage or input, 3 storage or network. */
export const EXIT = { OK: 0, REFUSED: 1, USAGE: 2, IO: 3 } as const;

/** Which exit code a TlockError maps to. */
export function exitCodeFor(e: TlockError): number {
  switch (e.code) {
    case 'STORAGE':
    case 'INTERNAL':
      return EXIT.IO;
    case 'DECODE':
    case 'INVALID_ARGUMENT':
    case 'MALFORMED_AUTHKEY':
    case 'WEAK_KEY':
      return EXIT.USAGE;
    default:
      return EXIT.REFUSED;
  }
}

export async function runCli(argv: Argv): Promise<void> {
  try {
    await argv
      .scriptName('tlock')
      .usage(
        '$0 <command> [options]\n\nTailnet Lock toolkit: keep a signed authority of trusted keys and check netmaps against it.',
      )
      .command(hookCommand)
      .command(serveCommand)
      .strict()
      .demandCommand(1, 'Name a command; see --help.')
      .recommendCommands()
      .fail((msg, err) => {
        if (err !== undefined && err !== null) throw err;
        process.stderr.write(`tlock: ${msg}\nRun "tlock --help" for usage.\n`);
        process.exit(EXIT.USAGE);
      })
      .help()
      .alias('h', 'help')
      .version(false)
      .parseAsync();
  } catch (e) {
    if (e instanceof TlockError) {
      process.stderr.write(`tlock: ${e.message}\n`);
      process.exit(exitCodeFor(e));
    }
    process.stderr.write(`tlock: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(EXIT.IO);
  }
}
