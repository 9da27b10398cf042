import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Authority } from '../src/authority/authority.js';
import { generateSigningKey } from '../src/crypto/ed25519.js';
import type { AUM } from '../src/model/aum.js';
import { aumHash } from '../src/model/aum.js';
import { FileStore } from '../src/store/file-store.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { hashToBase32 } from '../src/wire/base32.js';
import { formatTLPublic } from '../src/wire/keytext.js';
import { stateDirWithAuthority } from '../test/cli/authority-fixture.js';
import { FuzzFailure } from './fuzz-target.js';

/*
 * Crash safety through the built `tlock`: writers (add, remove, sign authkey, import) killed with
 * SIGKILL at seeded random moments over a real write's duration, then the store opened: it opens,
 * holds every acknowledged change, and holds only AUMs that verify (replayed from the genesis on
 * a fresh authority). Then pairs of writers at once: each succeeds, or is refused with CONFLICT
 * because the other changed the authority first; nothing acknowledged is lost.
 * Shared by test/cli/crash-safety.test.ts (25 rounds) and `npm run fuzz` (more).
 */

/** The repository root: the nearest directory above this file holding package.json and dist/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'dist'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('crash rounds: no repository root with dist/ above this file');
    dir = up;
  }
  return dir;
}

const CLI = join(repoRoot(), 'dist', 'cli', 'main.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built tlock; with `killAfterMs`, SIGKILLs it then if it is still running. */
function tlock(args: string[], input = '', killAfterMs?: number): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** What the store holds, checked: it opens, has one head, and every AUM on it verifies from the genesis. */
async function checkedStore(
  dir: string,
  what: string,
): Promise<{ head: string; chain: Set<string>; keys: Set<string> }> {
  let authority: Authority;
  let store: FileStore;
  try {
    store = await FileStore.open(join(dir, 'tka'));
    authority = await Authority.open(store);
  } catch (e) {
    throw new FuzzFailure(`${what}: the store does not open: ${(e as Error).message}`);
  }
  const heads = await store.heads();
  if (heads.length !== 1)
    throw new FuzzFailure(`${what}: the store has ${heads.length} heads, not 1 (a fork)`);
  const chain: AUM[] = [];
  for (let h: Uint8Array | null = authority.headHash; h !== null;) {
    const aum = await store.get(h);
    if (aum === undefined) throw new FuzzFailure(`${what}: the chain misses ${hashToBase32(h)}`);
    chain.unshift(aum);
    h = aum.prevAUMHash;
  }
  const names = new Set(chain.map((a) => hashToBase32(aumHash(a))));
  for (const h of await store.allAUMs()) {
    if (!names.has(hashToBase32(h)))
      throw new FuzzFailure(`${what}: ${hashToBase32(h)} is stored off the chain`);
  }
  const replay = new MemoryStore();
  try {
    const fresh = await Authority.bootstrap(replay, chain[0]!);
    if (chain.length > 1) await fresh.inform(replay, chain.slice(1));
    if (fresh.head !== authority.head) throw new Error(`replayed to ${fresh.head}, not ${authority.head}`);
  } catch (e) {
    throw new FuzzFailure(
      `${what}: the stored chain does not verify from its genesis: ${(e as Error).message}`,
    );
  }
  return {
    head: authority.head,
    chain: names,
    keys: new Set(authority.keys().map((k) => formatTLPublic(k.public!))),
  };
}

type Op = 'add' | 'remove' | 'sign authkey' | 'import';

export interface CrashReport {
  rounds: number;
  /** Rounds whose writer died of the SIGKILL (the rest finished first). */
  killed: number;
  acknowledged: number;
  concurrentPairs: number;
  conflicts: number;
}

/** Runs `rounds` kill rounds and `pairs` pairs of concurrent writers on one fresh state directory. */
export async function runCrashRounds(opts: {
  rounds: number;
  pairs: number;
  random: () => number;
  log?: (line: string) => void;
}): Promise<CrashReport> {
  const root = mkdtempSync(join(tmpdir(), 'tlock-crash-'));
  const dir = join(root, 'state');
  try {
    await stateDirWithAuthority(dir);
    const report: CrashReport = {
      rounds: opts.rounds,
      killed: 0,
      acknowledged: 0,
      concurrentPairs: opts.pairs,
      conflicts: 0,
    };
    const acknowledgedHeads: string[] = [];
    const trusted = new Set<string>(); // keys added and acknowledged, not removed since
    const removed = new Set<string>(); // keys whose removal was acknowledged
    // How long a real write takes here and now: kills are spread over it.
    const calibration = await tlock(['add', '--dir', dir, newKey()]);
    if (calibration.code !== 0) throw new FuzzFailure(`calibration add failed: ${calibration.stderr}`);
    const writeMs = calibration.ms;
    for (let round = 0; round < opts.rounds; round++) {
      const ops: Op[] = [
        'add',
        'add',
        'sign authkey',
        'import',
        ...(trusted.size > 0 ? (['remove', 'remove'] as Op[]) : []),
      ];
      const op = ops[Math.floor(opts.random() * ops.length)]!;
      const killAt = writeMs * (0.2 + opts.random());
      const what = `round ${round} (${op}, SIGKILL after ${killAt.toFixed(0)} ms of a ${writeMs.toFixed(0)} ms write)`;
      let key: string | undefined;
      let run: Run;
      if (op === 'add') {
        key = newKey();
        run = await tlock(['add', '--dir', dir, key], '', killAt);
      } else if (op === 'remove') {
        key = [...trusted][Math.floor(opts.random() * trusted.size)]!;
        run = await tlock(['remove', '--yes', '--dir', dir, key], '', killAt);
      } else if (op === 'sign authkey') {
        run = await tlock(
          ['sign', 'authkey', '--dir', dir, '-'],
          `tskey-auth-k${round}CNTRL-0123456789\n`,
          killAt,
        );
      } else {
        key = newKey();
        const document = await importableDocument(root, dir, key, what);
        run = await tlock(['import', '--dir', dir, document], '', killAt);
      }
      if (run.signal === 'SIGKILL') {
        report.killed++;
        // A killed removal may or may not have landed: that key's state is unknown from now on.
        if (op === 'remove') trusted.delete(key!);
      } else if (run.code !== 0) throw new FuzzFailure(`${what}: exited ${run.code}: ${run.stderr}`);
      const now = await checkedStore(dir, what);
      if (run.code === 0) {
        report.acknowledged++;
        acknowledgedHeads.push(now.head);
        if (op === 'remove') {
          trusted.delete(key!);
          removed.add(key!);
        } else if (key !== undefined) trusted.add(key);
      }
      for (const h of acknowledgedHeads)
        if (!now.chain.has(h)) throw new FuzzFailure(`${what}: the acknowledged head ${h} is gone`);
      for (const k of trusted)
        if (!now.keys.has(k)) throw new FuzzFailure(`${what}: the acknowledged key ${k} is not trusted`);
      for (const k of removed)
        if (now.keys.has(k)) throw new FuzzFailure(`${what}: the removed key ${k} is trusted again`);
      opts.log?.(`${what}: ${run.signal ?? `exit ${run.code}`}`);
    }
    for (let pair = 0; pair < opts.pairs; pair++) {
      const keys = [newKey(), newKey()];
      const runs = await Promise.all(keys.map((k) => tlock(['add', '--dir', dir, k])));
      const what = `concurrent pair ${pair}`;
      const now = await checkedStore(dir, what);
      for (const [i, r] of runs.entries()) {
        if (r.code === 0) {
          if (!now.keys.has(keys[i]!))
            throw new FuzzFailure(`${what}: an acknowledged add of ${keys[i]} was lost`);
        } else if (r.code === 3 && /another tlock command changed the authority/.test(r.stderr)) {
          report.conflicts++;
          if (now.keys.has(keys[i]!))
            throw new FuzzFailure(`${what}: a refused add of ${keys[i]} was stored`);
        } else {
          throw new FuzzFailure(`${what}: a writer exited ${r.code} without a clear reason: ${r.stderr}`);
        }
      }
      if (runs.every((r) => r.code !== 0)) throw new FuzzFailure(`${what}: both writers were refused`);
    }
    return report;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const newKey = (): string => formatTLPublic(generateSigningKey().publicKey);

/** A log document holding the state directory's chain plus one AddKey made on a copy of it. */
async function importableDocument(root: string, dir: string, key: string, what: string): Promise<string> {
  const copy = join(root, 'copy');
  rmSync(copy, { recursive: true, force: true });
  cpSync(dir, copy, { recursive: true });
  const add = await tlock(['add', '--dir', copy, key]);
  const document = join(root, 'chain.json');
  const exported = add.code === 0 ? await tlock(['export', '--dir', copy, '--out', document]) : add;
  if (exported.code !== 0) throw new FuzzFailure(`${what}: preparing the import failed: ${exported.stderr}`);
  return document;
}
