import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FileStore } from '../../src/index.js';
import { type RatioResult, compare, ratioResult } from '../harness.js';
import { buildNetmapFixture, signedNetmap } from '../netmap-fixture.js';
import { signatureFloors } from '../signature-floors.js';

export const HOOK_PEERS = 10_000;
/**
 * How long a fresh hook runs before its first map response arrives. A daemon starts the hook
 * before it opens its map session (a TLS connection to the coordination server, then the
 * server's first response), so the hook has at least this long to itself.
 */
export const HOOK_SETTLE_MS = 1_500;

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/**
 * A `tlock hook` child process: one line in, its answer out. Answers are read as a Go daemon reads
 * lines (bufio: bytes up to the newline), not through node:readline, whose decoding and joining
 * of a 7.5 MB line in this process cost 100-250 ms that are not the hook's.
 */
class HookProcess {
  readonly #child: ChildProcess;
  readonly #waiting: ((line: Buffer) => void)[] = [];

  constructor(dir: string) {
    this.#child = spawn(process.execPath, [CLI, 'hook', '--dir', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr!.resume(); // its notes are not measured
    let parts: Buffer[] = [];
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      for (let start = 0; ;) {
        const newline = chunk.indexOf(10, start);
        if (newline === -1) {
          parts.push(chunk.subarray(start));
          return;
        }
        parts.push(chunk.subarray(start, newline));
        const line = Buffer.concat(parts);
        parts = [];
        this.#waiting.shift()?.(line);
        start = newline + 1;
      }
    });
  }

  /**
   * Sends one map-response line (its bytes, newline included, as received from the network) and
   * waits for its answer, which must drop `dropped` peers and keep the others.
   */
  async answer(line: Buffer, dropped = 0): Promise<void> {
    const answered = new Promise<Buffer>((resolve) => this.#waiting.push(resolve));
    this.#child.stdin!.write(line);
    const answer = await answered;
    const report = answer.toString('utf8', answer.lastIndexOf('"dropped":['));
    if (
      answer.toString('latin1', 0, 10) !== '{"netmap":' ||
      report.split('"reason":').length - 1 !== dropped
    ) {
      throw new Error(`hook benchmark: unexpected answer ${answer.toString('utf8', 0, 300)}`);
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin!.end();
    await exited;
  }
}

/**
 * The hook as a daemon runs it: the built `tlock hook` (a child process) answering 10 000-peer
 * map-response lines, against raw single-core libsodium verification of the same number of
 * signatures in this process. "First response": a fresh hook, started HOOK_SETTLE_MS before
 * the line is written; "warm": a hook that has answered before, given a map response whose
 * signatures it has never seen (a cold check: new node keys and signatures).
 */
export async function hookCases(runs: number): Promise<RatioResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tlock-bench-hook-'));
  try {
    const fixture = await buildNetmapFixture(HOOK_PEERS, await FileStore.open(join(dir, 'tka')));
    const floors = signatureFloors(fixture.raw);
    const floorName = `libsodium verify ×${HOOK_PEERS}, one core`;
    const lineOf = (netmap: unknown): Buffer => Buffer.from(JSON.stringify(netmap) + '\n');
    const lines = [lineOf(fixture.netmap)];
    for (let i = 0; i < runs + 2; i++) lines.push(lineOf(signedNetmap(fixture.admins, HOOK_PEERS).netmap));
    // A node that joined and waits for an admin's signature: the hook drops it from every response.
    const pending: Buffer[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const { netmap } = signedNetmap(fixture.admins, HOOK_PEERS);
      delete (netmap.Peers as Record<string, unknown>[])[HOOK_PEERS >> 1]!['KeySignature'];
      pending.push(lineOf(netmap));
    }
    const results: RatioResult[] = [];

    let fresh: HookProcess | undefined;
    const first = await compare({
      runs,
      setupSubject: async () => {
        await fresh?.stop();
        fresh = new HookProcess(dir);
        await sleep(HOOK_SETTLE_MS);
      },
      subject: () => fresh!.answer(lines[0]!),
      floor: () => floors.sodium(),
    });
    await fresh?.stop();
    results.push(
      ratioResult(
        {
          name: `hook ${HOOK_PEERS} peers, first response of a fresh hook`,
          subject: `tlock hook started ${HOOK_SETTLE_MS} ms before the line; line written → answer read`,
          floor: floorName,
          target: '≤ 1.0×',
          limit: 1.0,
        },
        first,
      ),
    );

    const warm = new HookProcess(dir);
    try {
      await warm.answer(lines[0]!);
      let next = 1;
      const cold = await compare({
        runs,
        subject: () => warm.answer(lines[next++]!),
        floor: () => floors.sodium(),
      });
      results.push(
        ratioResult(
          {
            name: `hook ${HOOK_PEERS} peers, warm hook, cold check`,
            subject: 'a hook that has answered before, given signatures it has not seen',
            floor: floorName,
            target: '≤ 0.75×',
            limit: 0.75,
          },
          cold,
        ),
      );
      let nextPending = 0;
      const dropping = await compare({
        runs,
        subject: () => warm.answer(pending[nextPending++]!, 1),
        floor: () => floors.sodium(),
      });
      results.push(
        ratioResult(
          {
            name: `hook ${HOOK_PEERS} peers, warm hook, cold check, one unsigned peer`,
            subject: 'the same, with one peer that has no signature (a node waiting for one): dropped',
            floor: floorName,
          },
          dropping,
        ),
      );
    } finally {
      await warm.stop();
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
