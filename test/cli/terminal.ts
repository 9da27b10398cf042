import { spawn } from 'node:child_process';
import { CLI } from './hook-process.js';

const quote = (w: string): string => `'${w.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `tlock` on a pseudo-terminal (util-linux `script`), as a person at a terminal would:
 * stdin and stdout are a TTY. When the output shows `waitFor`, `answer` is typed. Returns the
 * exit status and everything the terminal showed (stdout and stderr together).
 */
export function onTerminal(
  args: string[],
  opts: { waitFor?: string; answer?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; screen: string }> {
  const command = `${[process.execPath, CLI, ...args].map(quote).join(' ')}; echo "EXIT=$?"`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.env?.['NO_COLOR'] === undefined) delete env['NO_COLOR'];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let answered = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
      if (!answered && opts.waitFor !== undefined && screen.includes(opts.waitFor)) {
        answered = true;
        child.stdin.write(opts.answer ?? '');
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      const m = /EXIT=(\d+)/.exec(screen);
      if (m === null) reject(new Error(`no exit status on the terminal:\n${screen}`));
      else resolve({ code: Number(m[1]), screen });
    });
  });
}
