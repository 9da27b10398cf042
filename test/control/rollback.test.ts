import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AUM,
  Authority,
  ControlClient,
  FileHeadMemory,
  FileStore,
  TlockError,
  aumHash,
  bootstrapFromServer,
  hashToBase32,
  signAUM,
  syncWithServer,
} from '../../src/index.js';
import { keyOf, trusted } from '../authority/helpers.js';
import { type Admin, ServerProcess, cleanup, publishedAdmin, snapshot, tempDir } from './fixtures.js';

/*
 * A node that verified head X2 from its server later meets servers that offer less: an older
 * head (X1), a fork from X1 that loses against X2, and a fork from X1 that wins (a recovery).
 */

let root: string;
const servers: ServerProcess[] = [];
let admin: Admin;
let x1: AUM;
let x2: AUM;
let node: { dir: string; store: FileStore; authority: Authority; memory: FileHeadMemory };

async function serverFrom(dataDir: string): Promise<ServerProcess> {
  const s = await ServerProcess.start(dataDir);
  servers.push(s);
  return s;
}

async function withClient<T>(url: string, fn: (c: ControlClient) => Promise<T>): Promise<T> {
  const c = new ControlClient(url);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** A server whose data is a copy of `dataDir` as it is now, with `aums` pushed on top. */
async function serverCopy(dataDir: string, name: string, aums: AUM[]): Promise<ServerProcess> {
  const copy = join(root, name);
  cpSync(dataDir, copy, { recursive: true });
  const s = await serverFrom(copy);
  if (aums.length > 0) await withClient(s.url, (c) => c.syncSend('', aums));
  return s;
}

let oldData: string;

beforeAll(async () => {
  root = tempDir('rollback');
  const main = await serverFrom(join(root, 'server'));
  admin = await publishedAdmin(main.url, join(root, 'admin'));
  // X1: add key C (signed by A).
  x1 = (
    await admin.authority
      .newUpdater(admin.a)
      .addKey(trusted(keyOf(3)))
      .finalize(admin.store)
  )[0]!;
  await admin.authority.inform(admin.store, [x1]);
  await withClient(main.url, (client) =>
    syncWithServer({ client, authority: admin.authority, store: admin.store }),
  );
  // The server's data as it was at X1, for the servers that roll back.
  oldData = join(root, 'server-at-x1');
  cpSync(join(root, 'server'), oldData, { recursive: true });
  // X2: add key D, signed by A and B (weight 2).
  const [built] = await admin.authority
    .newUpdater(admin.a)
    .addKey(trusted(keyOf(4)))
    .finalize(admin.store);
  x2 = signAUM(built!, admin.b);
  await admin.authority.inform(admin.store, [x2]);
  await withClient(main.url, (client) =>
    syncWithServer({ client, authority: admin.authority, store: admin.store }),
  );

  const dir = join(root, 'node');
  const store = await FileStore.open(join(dir, 'tka'));
  const memory = new FileHeadMemory(join(dir, 'server-head'));
  const authority = await withClient(main.url, async (client) => {
    const { authority } = await bootstrapFromServer(client, store, {
      pin: hashToBase32(aumHash(admin.genesis)),
    });
    await syncWithServer({ client, authority, store, memory });
    return authority;
  });
  node = { dir, store, authority, memory };
  expect(node.authority.head).toBe(hashToBase32(aumHash(x2)));
  expect(await memory.load()).toBe(node.authority.head);
});

afterAll(async () => {
  for (const s of servers) expect(await s.stop()).toBe(0);
  cleanup(root);
});

async function expectRefused(url: string, reason: RegExp): Promise<void> {
  const before = snapshot(node.dir);
  const head = node.authority.head;
  const e = await withClient(url, (client) =>
    syncWithServer({ client, authority: node.authority, store: node.store, memory: node.memory }),
  ).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(TlockError);
  expect((e as TlockError).code).toBe('ROLLBACK');
  expect((e as TlockError).message).toMatch(/^rollback refused/);
  expect((e as TlockError).message).toMatch(reason);
  expect((e as TlockError).message).toContain(head);
  // Nothing local changed: not the head, not a file, not the remembered head.
  expect(node.authority.head).toBe(head);
  expect(snapshot(node.dir)).toEqual(before);
  expect((await Authority.open(await FileStore.open(join(node.dir, 'tka')))).head).toBe(head);
}

describe('rollback refusal', () => {
  it('refuses a server that offers an older head', async () => {
    const old = await serverCopy(oldData, 'older', []);
    await expectRefused(old.url, /older than head/);
  });

  it('refuses a fork without the remembered head that loses fork resolution against it', async () => {
    const fork = signAUM(
      { messageKind: 1, prevAUMHash: aumHash(x1), key: trusted(keyOf(5)) }, // weight 1 < X2's 2
      admin.a,
    );
    const s = await serverCopy(oldData, 'losing-fork', [fork]);
    await expectRefused(s.url, /loses fork resolution/);
    expect(await node.store.get(aumHash(fork))).toBeUndefined();
  });

  it('follows a fork without the remembered head that wins fork resolution (a recovery)', async () => {
    // A RemoveKey of C signed by A and B: the same weight as X2, and a RemoveKey wins a tie.
    const recovery = signAUM(
      { messageKind: 2, prevAUMHash: aumHash(x1), keyID: keyOf(3).publicKey },
      admin.a,
      admin.b,
    );
    const s = await serverCopy(oldData, 'winning-fork', [recovery]);
    const r = await withClient(s.url, (client) =>
      syncWithServer({ client, authority: node.authority, store: node.store, memory: node.memory }),
    );
    expect(r.after).toBe(hashToBase32(aumHash(recovery)));
    expect(node.authority.keyTrusted(keyOf(3).publicKey)).toBe(false);
    expect(await node.memory.load()).toBe(r.after);
  });

  it('without a remembered head, a node follows whatever verifies (as Tailscale does)', async () => {
    const dir = join(root, 'forgetful');
    const store = await FileStore.open(join(dir, 'tka'));
    const old = await serverCopy(oldData, 'older-again', []);
    await withClient(old.url, async (client) => {
      const { authority } = await bootstrapFromServer(client, store, { tofu: true });
      const r = await syncWithServer({ client, authority, store });
      expect(r.after).toBe(hashToBase32(aumHash(x1)));
    });
  });
});
