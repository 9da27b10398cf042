import { createInterface } from 'node:readline';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';

export interface ConfirmationRequest {
  /** Asked on a terminal, e.g. "Remove 2 keys from the authority?". */
  question: string;
  /** The flag that answers yes in advance (`--yes`, `--confirm`). */
  flag: string;
  /** Whether that flag was given. */
  given: boolean;
  /** The command line that would run it unattended, for the message when nobody can be asked. */
  rerun?: string;
}

/**
 * Confirmation before a destructive change: the flag skips it; on a terminal, the question is
 * asked on stderr and read from stdin ("y" or "yes" goes on; anything else, Ctrl-D included,
 * stops with status 1 and nothing changed); with no terminal and no flag, status 2 naming the flag.
 */
export async function confirm(req: ConfirmationRequest): Promise<void> {
  if (req.given) return;
  if (process.stdin.isTTY !== true) {
    const rerun = req.rerun === undefined ? '' : `:\n  ${req.rerun}`;
    throw usageError(
      `this changes the authority and there is no terminal to ask on; add ${req.flag} to go ahead${rerun}`,
    );
  }
  const answer = await ask(`${req.question} [y/N] `);
  if (!/^(y|yes)$/i.test(answer.trim())) {
    throw new CliError(EXIT.REFUSED, 'CONFLICT', 'not confirmed; nothing was changed');
  }
}

function ask(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answered = false;
    rl.on('SIGINT', () => {
      process.stderr.write('\ntlock: interrupted\n');
      process.exit(EXIT.INTERRUPTED);
    });
    rl.on('close', () => {
      if (!answered) {
        process.stderr.write('\n');
        resolve('');
      }
    });
    rl.question(prompt, (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
  });
}
