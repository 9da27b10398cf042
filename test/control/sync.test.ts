import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Authority,
  ControlClient,
  FileHeadMemory,
  FileStore,
  TlockError,
  aumHash,
  bootstrapFromServer,
  encodeAUM,
  encodeBase64,
  fetchServerHead,
  hashToBase32,
  signAUM,
  submitChange,
  syncWithServer,
} from '../../src/index.js';
import { keyOf, trusted } from '../authority/helpers.js';
import {
  type Admin,
  ServerProcess,
  ZERO_NODE_KEY,
  addKey,
  cleanup,
  newAdmin,
  publishedAdmin,
  rawRequest,
  snapshot,
  tempDir,
} from './fixtures.js';

let root: string;
let server: ServerProcess;
let admin: Admin;
let client: ControlClient;
const genesisHash = (): string => hashToBase32(aumHash(admin.genesis));

beforeAll(async () => {
  root = tempDir('sync');
  server = await ServerProcess.start(join(root, 'server'));
  admin = await publishedAdmin(server.url, join(root, 'admin'));
  client = new ControlClient(server.url);
});

afterAll(async () => {
  client.close();
  expect(await server.stop()).toBe(0);
  cleanup(root);
});

async function newNode(name: string): Promise<{ dir: string; store: FileStore }> {
  const dir = join(root, name);
  return { dir, store: await FileStore.open(join(dir, 'tka')) };
}

describe('admin and node converge through tlock serve', () => {
  it('a pinned node bootstraps, then follows the admin’s changes', async () => {
    const node = await newNode('node-pinned');
    const { authority, genesisHash: got } = await bootstrapFromServer(client, node.store, {
      pin: genesisHash(),
    });
    expect(got).toBe(genesisHash());
    const memory = new FileHeadMemory(join(node.dir, 'server-head'));
    let r = await syncWithServer({ client, authority, store: node.store, memory });
    expect(r.after).toBe(admin.authority.head);
    expect(r.converged).toBe(true);

    // The admin adds a key locally and pushes it with the same routine.
    const c = keyOf(3);
    await addKey(admin, admin.a, c);
    const pushed = await syncWithServer({ client, authority: admin.authority, store: admin.store });
    expect(pushed.sent).toBe(1);
    expect(pushed.serverHead).toBe(admin.authority.head);

    r = await syncWithServer({ client, authority, store: node.store, memory });
    expect(r.received).toBe(1);
    expect(r.after).toBe(admin.authority.head);
    expect(authority.keyTrusted(c.publicKey)).toBe(true);
    expect(await memory.load()).toBe(admin.authority.head);
    // The node's files alone give the same authority.
    expect((await Authority.open(await FileStore.open(join(node.dir, 'tka')))).head).toBe(
      admin.authority.head,
    );

    // Up to date: nothing received, nothing sent.
    r = await syncWithServer({ client, authority, store: node.store, memory });
    expect([r.received, r.sent, r.before === r.after]).toEqual([0, 0, true]);
    expect((await fetchServerHead(client, authority, node.store)).head).toBe(admin.authority.head);
  });

  it('a node far behind gets a long chain in one sync', async () => {
    const node = await newNode('node-behind');
    const { authority } = await bootstrapFromServer(client, node.store, { tofu: true });
    for (let i = 0; i < 60; i++) {
      const aums = await admin.authority
        .newUpdater(admin.a)
        .setKeyVotes(admin.b.publicKey, 1 + (i % 3))
        .finalize(admin.store);
      await admin.authority.inform(admin.store, aums);
    }
    await syncWithServer({ client, authority: admin.authority, store: admin.store });
    const r = await syncWithServer({ client, authority, store: node.store });
    expect(r.after).toBe(admin.authority.head);
    expect(r.received).toBeGreaterThanOrEqual(61); // 60 updates and a checkpoint
  });

  it('a pinned node refuses another genesis and stores nothing', async () => {
    const other = await newAdmin(join(root, 'other-admin'), 7, [33n, 44n]);
    const node = await newNode('node-wrong-pin');
    const before = snapshot(node.dir);
    const pin = hashToBase32(aumHash(other.genesis));
    const e = await bootstrapFromServer(client, node.store, { pin }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TlockError);
    expect((e as TlockError).code).toBe('PIN_MISMATCH');
    expect((e as TlockError).message).toContain(pin);
    expect(snapshot(node.dir)).toEqual(before);
    expect(await node.store.heads()).toEqual([]);
  });

  it('bootstrap refuses a node that already holds a chain', async () => {
    await expect(bootstrapFromServer(client, admin.store, { tofu: true })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('a forged AUM sent to sync/send is refused with 422 and never reaches a node', async () => {
    const mallory = keyOf(66);
    const forged = signAUM(
      {
        messageKind: 1,
        prevAUMHash: aumHash(admin.genesis),
        key: { kind: 1, votes: 1, public: mallory.publicKey },
      },
      mallory,
    );
    const headBefore = (await fetchServerHead(client, admin.authority, admin.store)).head;
    const res = await rawRequest(
      server.url,
      '/machine/tka/sync/send',
      JSON.stringify({
        Version: 1,
        NodeKey: ZERO_NODE_KEY,
        Head: headBefore,
        MissingAUMs: [encodeBase64(encodeAUM(forged))],
        Interactive: false,
      }),
    );
    expect(res.status).toBe(422);
    expect(res.json['code']).toBe('UNTRUSTED_KEY');
    expect(typeof res.json['error']).toBe('string');
    // Through the client: the same refusal, typed.
    await expect(client.syncSend(headBefore, [forged])).rejects.toMatchObject({
      code: 'SERVER_REFUSED',
      status: 422,
    });

    const node = await newNode('node-after-forgery');
    const { authority } = await bootstrapFromServer(client, node.store, { pin: genesisHash() });
    await syncWithServer({ client, authority, store: node.store });
    expect(await node.store.get(aumHash(forged))).toBeUndefined();
    expect(authority.keyTrusted(mallory.publicKey)).toBe(false);
    expect(authority.head).toBe(headBefore);
  });

  it('an admin’s change submitted interactively becomes the server’s head', async () => {
    const aums = await admin.authority
      .newUpdater(admin.a)
      .addKey(trusted(keyOf(20)))
      .finalize(admin.store);
    const head = await submitChange(client, aums);
    expect(head).toBe(hashToBase32(aumHash(aums[aums.length - 1]!)));
    await admin.authority.inform(admin.store, aums);
    expect((await fetchServerHead(client, admin.authority, admin.store)).head).toBe(admin.authority.head);
    // The same change again no longer extends the head: refused, nothing stored twice.
    await expect(submitChange(client, aums)).rejects.toMatchObject({ status: 409 });
  });

  it('an interactive change that does not extend the head is CONFLICT (409) and not stored', async () => {
    const stale = signAUM(
      {
        messageKind: 1,
        prevAUMHash: aumHash(admin.genesis),
        key: { kind: 1, votes: 1, public: keyOf(67).publicKey },
      },
      admin.a,
    );
    const e = await client.syncSend(genesisHash(), [stale], true).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'SERVER_REFUSED', status: 409, serverCode: 'CONFLICT' });
    const node = await newNode('node-after-conflict');
    const { authority } = await bootstrapFromServer(client, node.store, { tofu: true });
    await syncWithServer({ client, authority, store: node.store });
    expect(await node.store.get(aumHash(stale))).toBeUndefined();
  });

  it('answers GET with a JSON body, as tailscaled sends it', async () => {
    const res = await rawRequest(
      server.url,
      '/machine/tka/bootstrap',
      JSON.stringify({ Version: 106, NodeKey: ZERO_NODE_KEY, Head: '' }),
      'GET',
    );
    expect(res.status).toBe(200);
    expect(res.json['GenesisAUM']).toBe(encodeBase64(encodeAUM(admin.genesis)));
    expect(res.json).not.toHaveProperty('DisablementSecret');
  });

  it('keeps tailnets apart under /t/<tailnet>/', async () => {
    const acme = new ControlClient(`${server.url}/t/acme.example`);
    try {
      const node = await newNode('node-acme');
      await expect(bootstrapFromServer(acme, node.store, { tofu: true })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const other = await publishedAdmin(`${server.url}/t/acme.example`, join(root, 'acme-admin'), 9);
      const { genesisHash: got } = await bootstrapFromServer(acme, node.store, { tofu: true });
      expect(got).toBe(hashToBase32(aumHash(other.genesis)));
      expect(got).not.toBe(genesisHash());
    } finally {
      acme.close();
    }
  });
});
