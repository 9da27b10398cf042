import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A running `tlock hook`: send lines, await answers in order. */
export class HookProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: string[] = [];
  readonly #answers: string[] = [];
  readonly #waiting: ((line: string) => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}, opts: { uid?: number } = {}) {
    this.child = spawn(process.execPath, [CLI, 'hook', ...args], {
      env: { ...process.env, ...env },
      ...opts,
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.#waiting.shift();
      if (w !== undefined) w(line);
      else this.#answers.push(line);
    });
    this.child.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Sends one line (a string, or its bytes) and returns the raw line answered. */
  async ask(line: string | Buffer): Promise<string> {
    const answer = this.next();
    this.child.stdin.write(typeof line === 'string' ? line + '\n' : Buffer.concat([line, Buffer.from('\n')]));
    return answer;
  }

  /** The next answer, to a line already sent. */
  next(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const early = this.#answers.shift();
      if (early !== undefined) return resolve(early);
      const timer = setTimeout(() => reject(new Error(`no answer; stderr: ${this.stderr.join('')}`)), 20_000);
      this.#waiting.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
  }

  async askJSON(value: unknown): Promise<Record<string, unknown>> {
    return JSON.parse(await this.ask(typeof value === 'string' ? value : JSON.stringify(value))) as Record<
      string,
      unknown
    >;
  }

  async end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}
