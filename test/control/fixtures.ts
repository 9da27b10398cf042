import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  type AUM,
  Authority,
  ControlClient,
  FileStore,
  type SigningKey,
  publishGenesis,
} from '../../src/index.js';
import { keyOf, stateOf, trusted } from '../authority/helpers.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A running `tlock serve` (the built binary) on a free loopback port. */
export class ServerProcess {
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly url: string,
    /** The data directory (or the database URL given with --store). */
    readonly dataDir: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.on('exit', (code) => resolve(code));
    });
    child.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
  }

  /**
   * On a data directory, or on a PostgreSQL database: `{ store: url }`, or the database of
   * `$TLOCK_DATABASE_URL` in `env`.
   */
  static async start(where: string | { store?: string; env?: NodeJS.ProcessEnv }): Promise<ServerProcess> {
    const storage =
      typeof where === 'string'
        ? ['--data', where]
        : where.store === undefined
          ? []
          : ['--store', where.store];
    const env = typeof where === 'string' ? process.env : { ...process.env, ...where.env };
    const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', ...storage], { env });
    const errors: string[] = [];
    child.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`tlock serve did not start: ${errors.join('')}`)),
        20_000,
      );
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        const m = /^listening on (http:\/\/127\.0\.0\.1:[0-9]+)$/.exec(line);
        if (m === null) reject(new Error(`unexpected first line: ${line}`));
        else resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`tlock serve exited with ${code}: ${errors.join('')}`)));
    });
    return new ServerProcess(child, url, typeof where === 'string' ? where : (where.store ?? ''));
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** A temporary directory, removed by `cleanup`. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tlock-${prefix}-`));
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Every file under a directory with its size and mtime: to show nothing changed. */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== 'tlock.lock')
        out.push(`${p.slice(dir.length)}:${statSync(p).size}:${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

/** An admin machine: a FileStore chain created from keys A and B (one vote each), A signing. */
export interface Admin {
  dir: string;
  store: FileStore;
  authority: Authority;
  genesis: AUM;
  a: SigningKey;
  b: SigningKey;
}

export async function newAdmin(dir: string, seed = 1, ids: [bigint, bigint] = [11n, 22n]): Promise<Admin> {
  const a = keyOf(seed);
  const b = keyOf(seed + 1);
  const store = await FileStore.open(join(dir, 'tka'));
  const { authority, genesis } = await Authority.create(store, stateOf([trusted(a), trusted(b)], ids), a);
  return { dir, store, authority, genesis, a, b };
}

/** An admin whose genesis the server at `url` now holds. */
export async function publishedAdmin(url: string, dir: string, seed = 1): Promise<Admin> {
  const admin = await newAdmin(dir, seed);
  const client = new ControlClient(url);
  try {
    await publishGenesis({ client, genesis: admin.genesis, signer: admin.a });
  } finally {
    client.close();
  }
  return admin;
}

/** Adds a fresh key to the admin's chain locally (signed by `signer`); returns the new AUMs. */
export async function addKey(admin: Admin, signer: SigningKey, newKey: SigningKey): Promise<AUM[]> {
  const aums = await admin.authority.newUpdater(signer).addKey(trusted(newKey)).finalize(admin.store);
  await admin.authority.inform(admin.store, aums);
  return aums;
}

/** POSTs (or GETs) a raw body and returns status and parsed JSON (or text). */
export async function rawRequest(
  url: string,
  path: string,
  body: string | Buffer,
  method = 'POST',
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const length = { 'content-length': String(Buffer.byteLength(body)) };
    const all = { 'content-type': 'application/json', ...length, ...headers };
    const req = request(new URL(path, url), { method, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = { text };
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const ZERO_NODE_KEY = 'nodekey:' + '0'.repeat(64);
