import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Authority,
  ControlClient,
  FileStore,
  aumHash,
  bootstrapFromServer,
  fetchServerHead,
  hashToBase32,
  signAUM,
  syncWithServer,
} from '../../src/index.js';
import { compareBytes } from '../../src/wire/bytes.js';
import { keyOf, trusted } from '../authority/helpers.js';
import { type Admin, ServerProcess, addKey, cleanup, publishedAdmin, tempDir } from './fixtures.js';

let root: string;
let server: ServerProcess;
let admin1: Admin;

beforeAll(async () => {
  root = tempDir('concurrency');
  server = await ServerProcess.start(join(root, 'server'));
  admin1 = await publishedAdmin(server.url, join(root, 'admin1'));
});

afterAll(async () => {
  if (server.child.exitCode === null) expect(await server.stop()).toBe(0);
  cleanup(root);
});

describe('concurrent writers leave one consistent chain', () => {
  it('two admins syncing competing forks at once converge on the fork resolution winner', async () => {
    const c1 = new ControlClient(server.url);
    const c2 = new ControlClient(server.url);
    try {
      // Admin 2 holds the same chain (and key B).
      const store2 = await FileStore.open(join(root, 'admin2', 'tka'));
      const { authority: authority2 } = await bootstrapFromServer(c2, store2, {
        pin: hashToBase32(aumHash(admin1.genesis)),
      });
      await syncWithServer({ client: c2, authority: authority2, store: store2 });
      const admin2: Admin = { ...admin1, dir: join(root, 'admin2'), store: store2, authority: authority2 };

      // Each adds a different key on the same head, locally: a fork.
      const [f1] = await addKey(admin1, admin1.a, keyOf(11));
      const [f2] = await addKey(admin2, admin1.b, keyOf(12));
      const winner = compareBytes(aumHash(f1!), aumHash(f2!)) < 0 ? f1! : f2!; // same weight: lowest hash

      await Promise.all([
        syncWithServer({ client: c1, authority: admin1.authority, store: admin1.store }),
        syncWithServer({ client: c2, authority: admin2.authority, store: admin2.store }),
      ]);
      // A second round brings the loser the winner.
      await syncWithServer({ client: c1, authority: admin1.authority, store: admin1.store });
      await syncWithServer({ client: c2, authority: admin2.authority, store: admin2.store });

      const expected = hashToBase32(aumHash(winner));
      expect(admin1.authority.head).toBe(expected);
      expect(admin2.authority.head).toBe(expected);
      expect((await fetchServerHead(c1, admin1.authority, admin1.store)).head).toBe(expected);
      // The server keeps both forks (the loser's admin too); fork resolution picked one.
      const serverStore = await FileStore.open(join(root, 'server', 'tailnets', 'default', 'tka'));
      const loser = winner === f1 ? admin2.store : admin1.store;
      for (const store of [serverStore, loser]) {
        expect(await store.get(aumHash(f1!))).toBeDefined();
        expect(await store.get(aumHash(f2!))).toBeDefined();
      }
    } finally {
      c1.close();
      c2.close();
    }
  });

  it('a burst of sibling forks sent at once: all stored, one head, the same after a restart', async () => {
    const head = admin1.authority.headHash;
    const forks = Array.from({ length: 8 }, (_, i) =>
      signAUM({ messageKind: 1, prevAUMHash: head, key: trusted(keyOf(40 + i)) }, admin1.a),
    );
    const clients = forks.map(() => new ControlClient(server.url));
    let heads: string[];
    try {
      heads = await Promise.all(forks.map((f, i) => clients[i]!.syncSend(admin1.authority.head, [f])));
    } finally {
      for (const c of clients) c.close();
    }
    const lowest = forks.map((f) => aumHash(f)).sort(compareBytes)[0]!;
    const expected = hashToBase32(lowest);
    expect(heads[heads.length - 1]).toBeDefined();
    // Writes were serialised: the last answer saw every fork, so it names the winner.
    expect(heads).toContain(expected);

    const c = new ControlClient(server.url);
    try {
      await syncWithServer({ client: c, authority: admin1.authority, store: admin1.store });
      expect(admin1.authority.head).toBe(expected);
    } finally {
      c.close();
    }
    expect(await server.stop()).toBe(0);
    const stored = await FileStore.open(join(root, 'server', 'tailnets', 'default', 'tka'));
    for (const f of forks) expect(await stored.get(aumHash(f))).toBeDefined();
    expect((await Authority.open(stored)).head).toBe(expected);
  });
});
