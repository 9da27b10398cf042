import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A server child process that prints "listening on http://…" when ready. */
export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts `node <script> <args>` and waits for its "listening on" line. */
export async function startServer(script: URL, args: string[]): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m === null) reject(new Error(`unexpected first line from ${script.pathname}: ${line}`));
      else resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script.pathname} exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `tlock serve` from the build. */
export const TLOCK_CLI = new URL('../cli/main.js', import.meta.url);
/** The floor's server: node:http answering one fixed JSON text (bench/plain-json-server.ts). */
export const PLAIN_JSON_SERVER = new URL('./plain-json-server.js', import.meta.url);
