import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AUM,
  Authority,
  ControlClient,
  MemoryHeadMemory,
  MemoryStore,
  PostgresDatabase,
  PostgresStore,
  type SigningKey,
  aumHash,
  bootstrapFromServer,
  fetchServerHead,
  hashToBase32,
  publishGenesis,
  signAUM,
  signNodeKey,
  syncWithServer,
} from '../../src/index.js';
import { toHex } from '../../src/wire/bytes.js';
import { keyOf, stateOf, trusted } from '../authority/helpers.js';
import { freshDatabase, onServer } from '../support/postgres.js';
import { seededRandom } from '../support/seeded-random.js';
import { CLI, ServerProcess } from './fixtures.js';

/*
 * Three `tlock serve` processes on one PostgreSQL database, as a provider runs them behind a
 * load balancer: admins and nodes talk to whichever replica a seeded generator picks.
 */

let url: string;
let db: PostgresDatabase;
let replicas: ServerProcess[];

beforeAll(async () => {
  url = await freshDatabase('tlock_replicas');
  replicas = await Promise.all([0, 1, 2].map(() => ServerProcess.start({ store: url })));
  db = await PostgresDatabase.connect(url);
}, 60_000);

afterAll(async () => {
  await db?.close();
  for (const r of replicas ?? []) if (r.child.exitCode === null) expect(await r.stop()).toBe(0);
});

const tailnetURL = (server: ServerProcess, tailnet: string): string => `${server.url}/t/${tailnet}`;

/** A machine holding a chain in memory (an admin's or a node's). */
interface Machine {
  store: MemoryStore;
  authority: Authority;
}

/** A tailnet whose genesis trusts A and B (one vote each), published through replica 0. */
async function newTailnet(
  tailnet: string,
  seed: number,
): Promise<{ genesis: AUM; a: SigningKey; b: SigningKey }> {
  const [a, b] = [keyOf(seed), keyOf(seed + 1)];
  const { genesis } = await Authority.create(
    new MemoryStore(),
    stateOf([trusted(a), trusted(b)], [BigInt(seed), 7n]),
    a,
  );
  const client = new ControlClient(tailnetURL(replicas[0]!, tailnet));
  try {
    await publishGenesis({ client, genesis, signer: a });
  } finally {
    client.close();
  }
  return { genesis, a, b };
}

async function machine(genesis: AUM): Promise<Machine> {
  const store = new MemoryStore();
  return { store, authority: await Authority.bootstrap(store, genesis) };
}

/** The head a replica serves for a tailnet. */
async function headAt(server: ServerProcess, tailnet: string, genesis: AUM): Promise<string> {
  const m = await machine(genesis);
  const client = new ControlClient(tailnetURL(server, tailnet));
  try {
    return (await fetchServerHead(client, m.authority, m.store)).head;
  } finally {
    client.close();
  }
}

async function withClient<T>(base: string, fn: (c: ControlClient) => Promise<T>): Promise<T> {
  const client = new ControlClient(base);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** An AddKey of a fresh key on the machine's head, signed by `signer`, informed locally. */
async function addKey(m: Machine, signer: SigningKey, fresh: SigningKey): Promise<AUM[]> {
  const aums = await m.authority.newUpdater(signer).addKey(trusted(fresh)).finalize(m.store);
  await m.authority.inform(m.store, aums);
  return aums;
}

/** Every AUM a store holds, from its heads back. */
async function allAUMs(store: MemoryStore): Promise<AUM[]> {
  return Promise.all((await store.allAUMs()).map(async (h) => (await store.get(h))!));
}

describe('three tlock serve replicas on one PostgreSQL database', () => {
  it('serves an AUM acknowledged by one replica from every other at once (the default tailnet too)', async () => {
    const { genesis, a } = await newTailnet('at-once', 100);
    const admin = await machine(genesis);
    const { next } = seededRandom('replicas, at once');
    for (let i = 0; i < 8; i++) {
      const via = replicas[Math.floor(next() * 3)]!;
      const aums = await addKey(admin, a, keyOf(200 + i));
      const head = await withClient(tailnetURL(via, 'at-once'), (c) =>
        c.syncSend(hashToBase32(aums[0]!.prevAUMHash!), aums, true),
      );
      expect(head).toBe(admin.authority.head);
      // Straight after the acknowledgement, every replica answers with it.
      for (const r of replicas) expect(await headAt(r, 'at-once', genesis)).toBe(head);
    }

    // /machine/tka/… is the default tailnet, kept apart from /t/<tailnet>/.
    const other = await Authority.create(
      new MemoryStore(),
      stateOf([trusted(keyOf(120))], [120n, 7n]),
      keyOf(120),
    );
    await withClient(replicas[1]!.url, (client) =>
      publishGenesis({ client, genesis: other.genesis, signer: keyOf(120) }),
    );
    const defaultHead = hashToBase32(aumHash(other.genesis));
    for (const r of replicas) {
      const m = await machine(other.genesis);
      expect((await withClient(r.url, (c) => fetchServerHead(c, m.authority, m.store))).head).toBe(
        defaultHead,
      );
      expect(await headAt(r, 'default', other.genesis)).toBe(defaultHead);
      expect(await headAt(r, 'at-once', genesis)).toBe(admin.authority.head);
    }
  });

  it('concurrent admins and nodes through random replicas: one head everywhere, fork resolution’s, nothing acknowledged lost', async () => {
    const tailnet = 'busy';
    const { genesis, a, b } = await newTailnet(tailnet, 300);
    const admins = [
      { ...(await machine(genesis)), key: a },
      { ...(await machine(genesis)), key: b },
    ];
    const nodes = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const store = new MemoryStore();
        const { authority } = await withClient(tailnetURL(replicas[0]!, tailnet), (c) =>
          bootstrapFromServer(c, store, { pin: hashToBase32(aumHash(genesis)) }),
        );
        return { store, authority, memory: new MemoryHeadMemory() };
      }),
    );
    const { next } = seededRandom('replicas, concurrent');
    const replica = (): ServerProcess => replicas[Math.floor(next() * 3)]!;
    const acknowledged = new Map<string, Uint8Array>(); // node key (hex) → its signature
    let fresh = 400;

    for (let round = 0; round < 6; round++) {
      // Each admin changes its own copy of the chain: two forks on the same head.
      for (const admin of admins) await addKey(admin, admin.key, keyOf(fresh++));
      const work: Promise<unknown>[] = admins.map((admin) =>
        withClient(tailnetURL(replica(), tailnet), (client) => syncWithServer({ client, ...admin })),
      );
      for (const node of nodes) {
        // A node keeps the newest head it verified: a replica serving an older one is a ROLLBACK.
        work.push(
          withClient(tailnetURL(replica(), tailnet), (client) => syncWithServer({ client, ...node })),
        );
        const nodeKey = keyOf(fresh++).publicKey;
        const signature = signNodeKey(a, nodeKey);
        work.push(
          withClient(tailnetURL(replica(), tailnet), async (client) => {
            await client.submitSignature(signature);
            acknowledged.set(toHex(nodeKey), signature);
          }),
        );
      }
      await Promise.all(work);
    }
    // Once more each, one after the other: every admin holds every AUM.
    for (let i = 0; i < 2; i++) {
      for (const admin of admins) {
        await withClient(tailnetURL(replica(), tailnet), (client) => syncWithServer({ client, ...admin }));
      }
    }

    // What fork resolution picks among everything that was acknowledged.
    const union = new MemoryStore();
    await union.commit([genesis, ...(await allAUMs(admins[0]!.store)), ...(await allAUMs(admins[1]!.store))]);
    const expected = (await Authority.open(union)).head;
    expect(admins.map((m) => m.authority.head)).toEqual([expected, expected]);
    for (const r of replicas) expect(await headAt(r, tailnet, genesis)).toBe(expected);
    for (const node of nodes) {
      await withClient(tailnetURL(replica(), tailnet), (client) => syncWithServer({ client, ...node }));
      expect(node.authority.head).toBe(expected);
    }
    // Every AUM is in the database, and every acknowledged signature on every replica.
    const stored = await PostgresStore.open(db, tailnet);
    for (const aum of await allAUMs(union)) expect(await stored.get(aumHash(aum))).toBeDefined();
    expect(acknowledged.size).toBe(24);
    for (const r of replicas) {
      const kept = await withClient(tailnetURL(r, tailnet), (c) => c.signaturesUsingKey(a.publicKey));
      const texts = new Set(kept.map(toHex));
      for (const sig of acknowledged.values()) expect(texts.has(toHex(sig))).toBe(true);
    }
  }, 120_000);

  it('a replica killed (SIGKILL) mid-request loses nothing it acknowledged, and locks nothing', async () => {
    const tailnet = 'killed';
    const { genesis, a } = await newTailnet(tailnet, 500);
    const victim = await ServerProcess.start({ store: url });
    const base = tailnetURL(victim, tailnet);
    const head = hashToBase32(aumHash(genesis));
    const ackedAUMs: AUM[] = [];
    const ackedSigs: Uint8Array[] = [];
    let acks = 0;
    let killed: () => void = () => undefined;
    const killedNow = new Promise<void>((resolve) => (killed = resolve));
    // 60 writes at once: sibling AUMs (each its own sync/send) and signatures; the kill lands
    // after the sixth acknowledgement, with most of them in flight.
    const writes = Array.from({ length: 60 }, (_, i) =>
      withClient(base, async (client) => {
        if (i % 2 === 0) {
          const aum = signAUM(
            { messageKind: 1, prevAUMHash: aumHash(genesis), key: trusted(keyOf(600 + i)) },
            a,
          );
          await client.syncSend(head, [aum]);
          ackedAUMs.push(aum);
        } else {
          const sig = signNodeKey(a, keyOf(700 + i).publicKey);
          await client.submitSignature(sig);
          ackedSigs.push(sig);
        }
        if (++acks === 6) killed();
      }),
    );
    await killedNow;
    victim.child.kill('SIGKILL');
    const outcomes = await Promise.allSettled(writes);
    expect(await victim.exited).toBeNull();
    expect(outcomes.some((o) => o.status === 'rejected')).toBe(true); // it died mid-way

    const stored = await PostgresStore.open(db, tailnet);
    for (const aum of ackedAUMs) expect(await stored.get(aumHash(aum))).toBeDefined();
    for (const r of replicas) {
      const kept = new Set(
        (await withClient(tailnetURL(r, tailnet), (c) => c.signaturesUsingKey(a.publicKey))).map(toHex),
      );
      for (const sig of ackedSigs) expect(kept.has(toHex(sig))).toBe(true);
    }
    // The tailnet's lock went with the dead connection: another replica writes at once.
    const started = Date.now();
    const late = signAUM({ messageKind: 1, prevAUMHash: aumHash(genesis), key: trusted(keyOf(690)) }, a);
    await withClient(tailnetURL(replicas[2]!, tailnet), (c) => c.syncSend(head, [late]));
    expect(Date.now() - started).toBeLessThan(10_000);
    const want = (await Authority.open(await PostgresStore.open(db, tailnet))).head;
    for (const r of replicas) expect(await headAt(r, tailnet, genesis)).toBe(want);
  }, 60_000);

  it('keeps answering other tailnets when one tailnet’s rows are damaged', async () => {
    const healthy = await newTailnet('healthy', 800);
    const damaged = await newTailnet('damaged', 810);
    await onServer(async (c) => {
      const r = await c.query(
        'UPDATE tlock_tailnets SET revision = revision + 1 WHERE name = $1 RETURNING revision',
        ['damaged'],
      );
      await c.query("UPDATE tlock_aums SET aum = '\\x00ff'::bytea, revision = $2 WHERE tailnet = $1", [
        'damaged',
        r.rows[0].revision,
      ]);
    }, url);
    for (const r of replicas) {
      await expect(headAt(r, 'damaged', damaged.genesis)).rejects.toMatchObject({ status: 500 });
      expect(await headAt(r, 'healthy', healthy.genesis)).toBe(hashToBase32(aumHash(healthy.genesis)));
    }
    expect(replicas[0]!.stderr.join('')).toMatch(
      /STORAGE: tailnet "damaged": the row of AUM [A-Z2-7]+ does not hold an AUM/,
    );
    // A replica started now starts, and serves the healthy tailnet.
    const late = await ServerProcess.start({ store: url });
    try {
      expect(await headAt(late, 'healthy', healthy.genesis)).toBe(hashToBase32(aumHash(healthy.genesis)));
      await expect(headAt(late, 'damaged', damaged.genesis)).rejects.toMatchObject({ status: 500 });
    } finally {
      expect(await late.stop()).toBe(0);
    }
  });
});

describe('tlock serve --store: bad databases and arguments', () => {
  const serve = (args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, TLOCK_DATABASE_URL: '', ...env },
    });
    return { status: r.status, stderr: r.stderr };
  };

  it('a database that cannot be reached is status 3, saying what to check, never the password', () => {
    const r = serve(['--store', 'postgres://tlock:hunter2@localhost/tlock?host=/nonexistent-tlock-dir']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/cannot reach PostgreSQL at .* check that the server is running/);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a database whose schema is newer than this tlock is status 3, and is left alone', async () => {
    const newer = await freshDatabase('tlock_newer_serve');
    await (await PostgresDatabase.connect(newer)).close();
    await onServer((c) => c.query('UPDATE tlock_schema SET version = 99'), newer);
    const r = serve(['--store', newer]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/schema version 99, newer than this tlock understands/);
    const version = await onServer((c) => c.query('SELECT version FROM tlock_schema'), newer);
    expect(version.rows).toEqual([{ version: 99 }]);
  });

  it('--data and --store together, or a URL that is not postgres://, are status 2', () => {
    expect(serve(['--data', '/tmp/x', '--store', url]).status).toBe(2);
    const bad = serve(['--store', 'mysql://x@y/z']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--store: expected a PostgreSQL URL/);
    expect(serve([], { TLOCK_DATABASE_URL: 'nonsense' }).stderr).toMatch(
      /\$TLOCK_DATABASE_URL: expected a PostgreSQL URL/,
    );
    expect(serve([]).stderr).toMatch(/give --data DIR .* or --store postgres/);
  });

  it('takes the database from $TLOCK_DATABASE_URL', async () => {
    const server = await ServerProcess.start({ env: { TLOCK_DATABASE_URL: url } });
    try {
      const { genesis } = await Authority.create(
        new MemoryStore(),
        stateOf([trusted(keyOf(900))], [900n, 7n]),
        keyOf(900),
      );
      await withClient(tailnetURL(server, 'from-env'), (client) =>
        publishGenesis({ client, genesis, signer: keyOf(900) }),
      );
      // The same database as the replicas': they serve what it stored.
      expect(await headAt(replicas[2]!, 'from-env', genesis)).toBe(hashToBase32(aumHash(genesis)));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
