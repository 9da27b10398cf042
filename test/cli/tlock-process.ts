import { spawn } from 'node:child_process';
import { CLI } from './hook-process.js';

export interface TlockResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `tlock` binary once, as a user would: arguments, optional stdin (closed after it,
 * so never a terminal), extra environment. NO_COLOR and TLOCK_DIR from the test's own environment
 * are cleared so results do not depend on who runs the suite.
 */
export function tlock(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<TlockResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const k of ['TLOCK_DIR', 'NO_COLOR', 'TLOCK_DEBUG']) if (opts.env?.[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined); // a command that does not read stdin may exit first
    child.stdin.end(opts.input ?? '');
  });
}

/** Parses a --json run's stdout, checking it is exactly one document, two-space indented, one newline. */
export function jsonOf(r: TlockResult): unknown {
  const value = JSON.parse(r.stdout) as unknown;
  if (!r.stdout.endsWith('\n') || r.stdout.endsWith('\n\n'))
    throw new Error(`not newline-terminated: ${r.stdout}`);
  const expected = JSON.stringify(value, (_k, v: unknown) => v, 2) + '\n';
  // bigints print as integers, which JSON.parse may round: compare shape only when all numbers are safe.
  if (!/\d{16,}/.test(r.stdout) && r.stdout !== expected) throw new Error(`not two-space JSON:\n${r.stdout}`);
  return value;
}
