import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authority } from '../../src/index.js';
import {
  type AUM,
  type AumStore,
  FileStore,
  MemoryStore,
  PostgresDatabase,
  PostgresStore,
  type SigningKey,
  aumHash,
} from '../../src/index.js';
import { startPostgresCluster } from '../../scripts/postgres-cluster.js';
import { buildChain } from '../chain-fixture.js';
import { type RatioResult, compare, median, ratioResult } from '../harness.js';
import { TLOCK_CLI, startServer } from '../server-process.js';
import { SYNC_AUMS, offerBody, offerThroughput } from './control.js';

/*
 * PostgreSQL (`tlock serve --store`): what a second replica adds to sync/offer throughput, and
 * what a database round trip costs per AUM appended against a FileStore's fsyncs. The cluster
 * is a throwaway one (scripts/pg-cluster.sh) with fsync on, on this machine's cores.
 */

/** Every AUM of a store. */
async function allAUMs(store: MemoryStore): Promise<AUM[]> {
  return Promise.all((await store.allAUMs()).map(async (h) => (await store.get(h))!));
}

/**
 * sync/offer from an up-to-date node, 16 keep-alive connections split across the replicas, for
 * two `tlock serve --store` replicas against one, on one database holding a SYNC_AUMS-AUM chain.
 * Figures are milliseconds per request (the inverse of throughput).
 */
async function replicaThroughputCase(url: string, runs: number): Promise<RatioResult> {
  const memory = new MemoryStore();
  const { authority } = await buildChain(memory, SYNC_AUMS);
  const db = await PostgresDatabase.connect(url);
  try {
    const store = await PostgresStore.open(db, 'default');
    const aums = await allAUMs(memory);
    await store.commit(aums);
    await store.setLastActiveAncestor(aumHash(aums.find((a) => a.prevAUMHash === null)!));
  } finally {
    await db.close();
  }
  const body = offerBody(await authority.syncOffer(memory));
  const replicas = [
    await startServer(TLOCK_CLI, ['serve', '--listen', '127.0.0.1:0', '--store', url]),
    await startServer(TLOCK_CLI, ['serve', '--listen', '127.0.0.1:0', '--store', url]),
  ];
  const concurrency = 16;
  const rate = async (n: number, ms: number): Promise<number> => {
    const each = await Promise.all(
      replicas.slice(0, n).map((r) => offerThroughput(r.url, body, ms, concurrency / n)),
    );
    return each.reduce((a, b) => a + b, 0);
  };
  try {
    await rate(2, 500); // warm-up: both replicas read the chain
    const one: number[] = [];
    const two: number[] = [];
    for (let i = 0; i < runs; i++) {
      one.push(await rate(1, 2000));
      two.push(await rate(2, 2000));
    }
    const ms = (rps: number[]) => ({ medianMs: 1000 / median(rps), samplesMs: rps.map((r) => 1000 / r) });
    return ratioResult(
      {
        name: `sync/offer on PostgreSQL: ${Math.round(median(two))} vs ${Math.round(median(one))} requests/s`,
        subject: 'two tlock serve --store replicas',
        floor: 'one replica',
      },
      { subject: ms(two), floor: ms(one) },
    );
  } finally {
    for (const r of replicas) await r.stop();
  }
}

const APPENDS = 50;

/** Appends APPENDS AUMs one at a time (each its own inform, as each sync/send of one AUM is). */
async function appendOneByOne(authority: Authority, store: AumStore, signer: SigningKey): Promise<void> {
  for (let i = 0; i < APPENDS; i++) {
    const aums = await authority
      .newUpdater(signer)
      .setKeyVotes(signer.publicKey, 1 + (i % 3))
      .finalize(store);
    await authority.inform(store, aums);
  }
}

/** One AUM appended to a PostgresStore (a transaction: lock, catch-up, insert, commit) against a FileStore. */
async function appendCase(url: string, runs: number): Promise<RatioResult> {
  const db = await PostgresDatabase.connect(url);
  const scratch = mkdtempSync(join(tmpdir(), 'tlock-bench-append-'));
  let n = 0;
  let pg: { authority: Authority; store: AumStore; signer: SigningKey } | undefined;
  let file: typeof pg;
  const fresh = async (store: AumStore): Promise<NonNullable<typeof pg>> => {
    const { authority, signer } = await buildChain(store, 1);
    return { authority, store, signer };
  };
  try {
    const t = await compare({
      runs,
      setupSubject: async () => {
        pg = await fresh(await PostgresStore.open(db, `append-${n++}`));
      },
      subject: () => appendOneByOne(pg!.authority, pg!.store, pg!.signer),
      setupFloor: async () => {
        file = await fresh(await FileStore.open(join(scratch, String(n++))));
      },
      floor: () => appendOneByOne(file!.authority, file!.store, file!.signer),
    });
    return ratioResult(
      {
        name: `append ${APPENDS} AUMs one at a time: ${(t.subject.medianMs / APPENDS).toFixed(2)} vs ${(t.floor.medianMs / APPENDS).toFixed(2)} ms each`,
        subject: 'PostgresStore (fsync on)',
        floor: 'FileStore (fsync)',
      },
      t,
    );
  } finally {
    await db.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Both cases on a throwaway cluster, stopped at the end whatever happened. */
export async function postgresCases(runs: number): Promise<RatioResult[]> {
  const cluster = startPostgresCluster({ fsync: true });
  try {
    return [await replicaThroughputCase(cluster.url, runs), await appendCase(cluster.url, runs)];
  } finally {
    cluster.stop();
  }
}
