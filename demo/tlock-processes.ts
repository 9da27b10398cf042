import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/*
 * The demo runs the built `tlock` binary (dist/cli/main.js) as separate processes, as an admin
 * and the nodes would: one-shot commands, `tlock serve`, and long-running `tlock hook`s.
 */

/** dist/cli/main.js, next to this file's compiled copy (dist/demo/). */
export const TLOCK = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Every long-running child, stopped by `stopAll` whatever happens. */
const running = new Set<ChildProcessWithoutNullStreams>();

function start(args: string[]): ChildProcessWithoutNullStreams {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['TLOCK_DIR'];
  const child = spawn(process.execPath, [TLOCK, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

export interface TlockRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tlock args…` to the end; a status other than `expect` throws with its stderr. */
export async function tlock(
  args: string[],
  opts: { input?: string; expect?: number } = {},
): Promise<TlockRun> {
  const child = start(args);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.input ?? '');
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const run = { status, stdout, stderr };
  if (status !== (opts.expect ?? 0)) {
    throw new Error(`tlock ${args.join(' ')} exited with ${status}, not ${opts.expect ?? 0}:\n${stderr}`);
  }
  return run;
}

/** `tlock … --json`, parsed. */
export async function tlockJSON<T>(args: string[], opts: { input?: string } = {}): Promise<T> {
  return JSON.parse((await tlock([...args, '--json'], opts)).stdout) as T;
}

/** `tlock serve` on a free loopback port; resolves with its URL once it listens. */
export async function startServe(dataDir: string): Promise<{ url: string; stop: () => void }> {
  const child = start(['serve', '--listen', '127.0.0.1:0', '--data', dataDir]);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tlock serve exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m === null) reject(new Error(`tlock serve said: ${line}`));
      else resolve(m[1]!);
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** A running `tlock hook`: one map response in, one answer out, in order. */
export class HookProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: ((line: string) => void)[] = [];
  stderr = '';

  constructor(args: string[]) {
    this.#child = start(['hook', ...args]);
    this.#child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#waiting.shift()?.(line));
    this.#child.once('exit', (code) => {
      for (const w of this.#waiting.splice(0))
        w(
          JSON.stringify({
            error: { code: 'EXITED', message: `tlock hook exited with ${code}: ${this.stderr}` },
          }),
        );
    });
  }

  /** Sends one map response and returns the hook's answer, parsed. */
  async filter(mapResponse: unknown): Promise<Record<string, unknown>> {
    const answer = new Promise<string>((resolve) => this.#waiting.push(resolve));
    this.#child.stdin.write(JSON.stringify(mapResponse) + '\n');
    return JSON.parse(await answer) as Record<string, unknown>;
  }
}

/** Stops every child still running (hooks read to the end of input; servers take SIGTERM). */
export function stopAll(): void {
  for (const child of running) {
    child.stdin.end();
    child.kill('SIGTERM');
  }
}
