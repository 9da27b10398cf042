import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Authority,
  ControlClient,
  ControlServer,
  FileTailnetStores,
  MemoryStore,
  PostgresDatabase,
  PostgresTailnetStores,
  type TailnetStores,
  type SignInfo,
  aumHash,
  bootstrapFromServer,
  disablementKDF,
  hashToBase32,
  publishGenesis,
  syncWithServer,
} from '../../src/index.js';
import { keyOf, trusted } from '../authority/helpers.js';
import { freshDatabase } from '../support/postgres.js';
import { cleanup, tempDir } from './fixtures.js';

/*
 * The server as a library, in this process (still on loopback): the functions a coordination
 * server calls for its map responses (tkaInfo, signatureFor), the nodes it asks admins to sign
 * at init, and disable; on a data directory and on PostgreSQL (a fresh database per test).
 */

/** Each backend: tailnet stores in `root`, and how to release them. */
const BACKENDS: [string, (root: string) => Promise<{ stores: TailnetStores; close(): Promise<void> }>][] = [
  [
    'a data directory',
    (dir) =>
      Promise.resolve({ stores: new FileTailnetStores(join(dir, 'data')), close: () => Promise.resolve() }),
  ],
  [
    'PostgreSQL',
    async () => {
      const database = await PostgresDatabase.connect(await freshDatabase('tlock_control'));
      return { stores: new PostgresTailnetStores(database), close: () => database.close() };
    },
  ],
];

const SECRET = new Uint8Array(32).fill(0x5e);
let root: string;
let server: ControlServer;
let url: string;
let need: SignInfo[];
/** The server's clock: time moves only when a test says so (init expiry, the disablement throttle). */
let now = 0;
const tick = (ms: number): void => void (now += ms);

let disablementValue: Promise<Uint8Array> | undefined;

async function genesisWith(
  seed: number,
  ids: [bigint, bigint],
): Promise<Awaited<ReturnType<typeof Authority.create>>> {
  const a = keyOf(seed);
  return Authority.create(
    new MemoryStore(),
    {
      lastAUMHash: null,
      disablementValues: [await (disablementValue ??= disablementKDF(SECRET))],
      keys: [trusted(a)],
      stateID1: ids[0],
      stateID2: ids[1],
    },
    a,
  );
}

describe.each(BACKENDS)('ControlServer as a library, on %s', (_name, backend) => {
  let release: () => Promise<void>;

  beforeEach(async () => {
    root = tempDir('control-server');
    need = [{ nodeID: '1001', nodePublic: new Uint8Array(32).fill(9), rotationPubkey: keyOf(31).publicKey }];
    now = 0;
    const opened = await backend(root);
    release = () => opened.close();
    const stores = opened.stores;
    server = new ControlServer({ stores, needSignatures: () => need, clock: () => now });
    const address = await server.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${address.port}`;
  });

  afterEach(async () => {
    await server.close();
    await release();
    cleanup(root);
  });

  it('tkaInfo: off, then the head; signatureFor: the signatures made at init', async () => {
    expect(await server.tkaInfo()).toBeUndefined();
    const { authority, genesis } = await genesisWith(1, [1n, 2n]);
    const client = new ControlClient(url);
    try {
      const r = await publishGenesis({ client, genesis, signer: keyOf(1) });
      expect(r.genesisHash).toBe(hashToBase32(aumHash(genesis)));
      expect(r.signed.map((n) => n.nodeID)).toEqual(['1001']);
    } finally {
      client.close();
    }
    expect(await server.tkaInfo()).toEqual({ Head: authority.head });
    const sig = await server.signatureFor(need[0]!.nodePublic);
    expect(sig).toBeDefined();
    expect(authority.nodeKeyAuthorized(need[0]!.nodePublic, sig!).keyID).toEqual(keyOf(1).publicKey);
    expect(await server.signatureFor(new Uint8Array(32).fill(8))).toBeUndefined();
    expect(await server.tkaInfo('other')).toBeUndefined();
  });

  it('init: one admin at a time, every listed node signed, the genesis verified', async () => {
    const first = new ControlClient(url, { nodeKey: new Uint8Array(32).fill(1) });
    const second = new ControlClient(url, { nodeKey: new Uint8Array(32).fill(2) });
    try {
      const { genesis } = await genesisWith(1, [1n, 2n]);
      const { genesis: other } = await genesisWith(3, [3n, 4n]);
      await first.initBegin(genesis);
      await expect(second.initBegin(other)).rejects.toMatchObject({ status: 409 });
      await expect(second.initFinish(new Map())).rejects.toMatchObject({ status: 409 });
      await expect(first.initFinish(new Map())).rejects.toMatchObject({ status: 400 }); // node 1001 unsigned
      // An unsigned genesis is refused outright.
      await expect(first.initBegin({ ...genesis, signatures: [] })).rejects.toMatchObject({ status: 422 });
      // After 5 minutes the first admin's begin no longer blocks.
      tick(5 * 60_000 + 1);
      need = [];
      await second.initBegin(other);
      await second.initFinish(new Map());
      expect((await server.tkaInfo())?.Head).toBe(hashToBase32(aumHash(other)));
      await expect(first.initBegin(genesis)).rejects.toMatchObject({ status: 409, serverCode: 'CONFLICT' });
    } finally {
      first.close();
      second.close();
    }
  });

  it('disable: a wrong secret is 422, a valid one turns the lock off for nodes; then init anew', async () => {
    need = [];
    const { authority, genesis } = await genesisWith(1, [1n, 2n]);
    const client = new ControlClient(url);
    try {
      await publishGenesis({ client, genesis, signer: keyOf(1) });
      await expect(client.disable(authority.head, new Uint8Array(32))).rejects.toMatchObject({ status: 422 });
      await expect(client.disable(authority.head, SECRET)).rejects.toMatchObject({ status: 429 }); // too soon
      tick(1000);
      await client.disable(authority.head, SECRET);
      await client.disable(authority.head, SECRET); // idempotent
      expect(await server.tkaInfo()).toEqual({ Disabled: true });
      expect(await client.bootstrap('')).toEqual({ disablementSecret: SECRET });
      await expect(bootstrapFromServer(client, new MemoryStore(), { tofu: true })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const store = new MemoryStore();
      const node = await Authority.bootstrap(store, genesis);
      await expect(syncWithServer({ client, authority: node, store })).rejects.toMatchObject({ status: 409 });

      const { genesis: next } = await genesisWith(2, [5n, 6n]);
      await publishGenesis({ client, genesis: next, signer: keyOf(2) });
      expect(await server.tkaInfo()).toEqual({ Head: hashToBase32(aumHash(next)) });
    } finally {
      client.close();
    }
  });
});
