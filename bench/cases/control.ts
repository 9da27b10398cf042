import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AUM,
  Authority,
  type AumStore,
  ControlClient,
  FileStore,
  MemoryStore,
  decodeAUM,
  syncWithServer,
} from '../../src/index.js';
import { buildFileChain } from '../chain-fixture.js';
import { type RatioResult, type Timing, compare, median, ratioResult } from '../harness.js';
import { PLAIN_JSON_SERVER, TLOCK_CLI, startServer } from '../server-process.js';

export const SYNC_AUMS = 1000;

/** A `tlock serve` whose default tailnet holds a SYNC_AUMS-AUM chain; cleaned up by `close`. */
async function servedChain(): Promise<{
  url: string;
  tkaDir: string;
  head: string;
  genesis: AUM;
  close(): Promise<void>;
}> {
  const root = mkdtempSync(join(tmpdir(), 'tlock-bench-control-'));
  const tkaDir = join(root, 'data', 'tailnets', 'default', 'tka');
  const head = await buildFileChain(tkaDir, SYNC_AUMS);
  const server = await startServer(TLOCK_CLI, [
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--data',
    join(root, 'data'),
  ]);
  const client = new ControlClient(server.url);
  const { genesisAUM } = await client.bootstrap('');
  client.close();
  return {
    url: server.url,
    tkaDir,
    head,
    genesis: decodeAUM(genesisAUM!),
    close: async () => {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A node holding only the genesis syncs the SYNC_AUMS-AUM chain from `tlock serve` over
 * loopback (offer, 999 AUMs verified and stored, send), against opening the same chain from its
 * files locally (FileStore.open + Authority.open): to a FileStore node (every AUM fsynced) and to
 * a MemoryStore node.
 */
export async function syncCases(runs: number): Promise<RatioResult[]> {
  const served = await servedChain();
  const scratch = mkdtempSync(join(tmpdir(), 'tlock-bench-node-'));
  const client = new ControlClient(served.url);
  try {
    const out: RatioResult[] = [];
    for (const kind of ['FileStore', 'MemoryStore'] as const) {
      let node: { store: AumStore; authority: Authority } | undefined;
      let n = 0;
      const t = await compare({
        runs,
        setupSubject: async () => {
          const store =
            kind === 'FileStore' ? await FileStore.open(join(scratch, String(n++))) : new MemoryStore();
          node = { store, authority: await Authority.bootstrap(store, served.genesis) };
        },
        subject: async () => {
          const r = await syncWithServer({ client, authority: node!.authority, store: node!.store });
          if (r.after !== served.head) throw new Error('sync: wrong head');
        },
        floor: async () => {
          const authority = await Authority.open(await FileStore.open(served.tkaDir));
          if (authority.head !== served.head) throw new Error('open: wrong head');
        },
      });
      out.push(
        ratioResult(
          {
            name: `sync ${SYNC_AUMS} AUMs over loopback to a ${kind} node`,
            subject: 'syncWithServer against tlock serve',
            floor: `open the ${SYNC_AUMS}-AUM chain locally`,
          },
          t,
        ),
      );
    }
    return out;
  } finally {
    client.close();
    rmSync(scratch, { recursive: true, force: true });
    await served.close();
  }
}

/** A sync/offer request body from a node whose offer is `offer`. */
export function offerBody(offer: { head: string; ancestors: string[] }): string {
  return JSON.stringify({
    Version: 138,
    NodeKey: 'nodekey:' + '0'.repeat(64),
    Head: offer.head,
    Ancestors: offer.ancestors,
  });
}

/** Requests per second: `concurrency` keep-alive connections posting sync/offer `body` for `ms`. */
export async function offerThroughput(
  url: string,
  body: string,
  ms: number,
  concurrency: number,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/machine/tka/sync/offer', url);
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`sync/offer: HTTP ${res.statusCode}`));
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const deadline = performance.now() + ms;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await one();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  return (done * 1000) / elapsed;
}

const timing = (samples: number[]): Timing => ({ medianMs: median(samples), samplesMs: samples });

/**
 * `sync/offer` from a node that is up to date, as fast as 16 keep-alive connections can send
 * it, against a bare node:http server (one core too) answering the same JSON text. Figures are
 * milliseconds per request (the inverse of throughput); the load comes from this process.
 */
export async function offerThroughputCase(runs: number): Promise<RatioResult> {
  const served = await servedChain();
  const client = new ControlClient(served.url);
  const offer = await (
    await Authority.open(await FileStore.open(served.tkaDir))
  ).syncOffer(await FileStore.open(served.tkaDir));
  client.close();
  const body = offerBody(offer);
  const answer = JSON.stringify({ Head: offer.head, Ancestors: offer.ancestors, MissingAUMs: [] }) + '\n';
  const plain = await startServer(PLAIN_JSON_SERVER, [answer]);
  try {
    const ms = 2000;
    const concurrency = 16;
    await offerThroughput(served.url, body, 500, concurrency); // warm-up
    await offerThroughput(plain.url, body, 500, concurrency);
    const s: number[] = [];
    const f: number[] = [];
    const rps: number[] = [];
    for (let i = 0; i < runs; i++) {
      f.push(1000 / (await offerThroughput(plain.url, body, ms, concurrency)));
      const r = await offerThroughput(served.url, body, ms, concurrency);
      rps.push(r);
      s.push(1000 / r);
    }
    return ratioResult(
      {
        name: `sync/offer, up-to-date node: ${Math.round(median(rps))} requests/s (one core)`,
        subject: 'tlock serve',
        floor: 'node:http answering fixed JSON',
      },
      { subject: timing(s), floor: timing(f) },
    );
  } finally {
    await plain.stop();
    await served.close();
  }
}
