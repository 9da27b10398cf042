import { readFileSync } from 'node:fs';
import { TlockError } from '../src/errors.js';
import { usageError } from './cli-error.js';
import { COMMANDS, type CommandEntry } from './command-list.js';
import type { OutputStreams } from './output.js';
import { EXIT, EXIT_STATUS_HELP, exitCodeFor } from './exit-codes.js';
import { installInterruptHandler } from './interrupt.js';

export { EXIT, exitCodeFor } from './exit-codes.js';

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: tlock <command> [options]',
    '',
    'Tailnet Lock toolkit: keep a signed authority of trusted keys, sign node keys, and check',
    'netmaps against it. Every command works on a local state directory.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --dir PATH (the state directory: $TLOCK_DIR, else',
    '$XDG_STATE_HOME/tlock, else ~/.local/state/tlock), --json and --help ("tlock <command>',
    '--help" shows an example). Keys and secrets can be given as file:PATH or - (stdin), so',
    'they stay out of shell history. Colour only on a terminal, and never when NO_COLOR is set.',
    '',
    EXIT_STATUS_HELP,
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The command named by the longest run of leading words (`sign nodekey` before `sign`). */
function findCommand(argv: readonly string[]): { entry: CommandEntry; rest: string[] } | undefined {
  let best: { entry: CommandEntry; rest: string[] } | undefined;
  for (const entry of COMMANDS) {
    const words = entry.name.split(' ');
    if (
      words.every((w, i) => argv[i] === w) &&
      (best === undefined || words.length > best.entry.name.split(' ').length)
    ) {
      best = { entry, rest: argv.slice(words.length) };
    }
  }
  return best;
}

function unknownCommand(argv: readonly string[]): TlockError {
  const first = argv[0] ?? '';
  const group = COMMANDS.filter((c) => c.name.startsWith(first + ' '));
  if (group.length > 0) {
    const which = group.map((c) => `  tlock ${c.name}  ${c.summary}`).join('\n');
    const given =
      argv[1] === undefined ? `"tlock ${first}" needs a subcommand` : `unknown command "${first} ${argv[1]}"`;
    return usageError(`${given}:\n${which}`);
  }
  return usageError(`unknown command "${first}"; run "tlock --help" for the list`);
}

async function dispatch(argv: string[], streams: OutputStreams): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    streams.stderr.write(topLevelHelp() + '\n');
    return EXIT.USAGE;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && argv.length === 1)) {
    streams.stdout.write(topLevelHelp() + '\n');
    return EXIT.OK;
  }
  if (first === '--version') {
    streams.stdout.write(version() + '\n');
    return EXIT.OK;
  }
  const words = first === 'help' ? [...argv.slice(1), '--help'] : argv;
  const found = findCommand(words);
  if (found === undefined) {
    if (words[0]?.startsWith('-') === true) {
      throw usageError(`name a command before options ("tlock <command> ${words[0]}"); run "tlock --help"`);
    }
    throw unknownCommand(words);
  }
  const command = await found.entry.load();
  return command.main(found.rest, streams, found.entry.summary);
}

/** Reports an error that ended a command: one line (or a few) on stderr, never a stack trace. */
function report(e: unknown, streams: OutputStreams): number {
  if (e instanceof TlockError) {
    streams.stderr.write(`tlock: ${e.message}\n`);
    return exitCodeFor(e);
  }
  const message = e instanceof Error ? e.message : String(e);
  streams.stderr.write(`tlock: unexpected error: ${message}\n`);
  if (streams.env['TLOCK_DEBUG'] === '1' && e instanceof Error && e.stack !== undefined) {
    streams.stderr.write(e.stack + '\n');
  } else {
    streams.stderr.write('This is a bug in tlock; TLOCK_DEBUG=1 shows where it happened.\n');
  }
  return EXIT.IO;
}

/** Runs `tlock` with these arguments and returns its exit status. */
export async function main(argv: string[]): Promise<number> {
  const streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  installInterruptHandler();
  // A reader that goes away (`tlock log | head`) is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
    throw e;
  });
  try {
    return await dispatch(argv, streams);
  } catch (e) {
    return report(e, streams);
  }
}
