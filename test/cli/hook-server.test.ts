import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { FileStore } from '../../src/store/file-store.js';
import { encodeBase64 } from '../../src/wire/base64.js';
import { formatNodeKey, formatTLPublic } from '../../src/wire/keytext.js';
import { ServerProcess } from '../control/fixtures.js';
import { dirSnapshot, makeTempDir } from '../support/temp-dirs.js';
import { stateDirWithAuthority } from './authority-fixture.js';
import { HookProcess } from './hook-process.js';
import { jsonOf, tlock } from './tlock-process.js';

/*
 * `tlock hook --server`: the built hook against a real `tlock serve` on loopback. A map response
 * naming a head the node lacks makes it sync first; a sync that fails leaves the node filtering
 * against its own chain, and the answer says so.
 */

const SLOW = 120_000;
const servers: ServerProcess[] = [];
const hooks: HookProcess[] = [];
afterAll(async () => {
  await Promise.all(hooks.map((h) => h.end()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function headOf(dir: string): Promise<string> {
  return (await Authority.open(await FileStore.open(join(dir, 'tka')))).head;
}

/** A server with an admin's chain, a node synced to it, and a key the admin trusts only later. */
async function tailnet(): Promise<{ url: string; admin: string; node: string; genesis: string }> {
  const server = await ServerProcess.start(join(makeTempDir('tlock-serve-'), 'data'));
  servers.push(server);
  const admin = join(makeTempDir('tlock-hook-server-'), 'admin');
  await stateDirWithAuthority(admin);
  const published = jsonOf(await tlock(['sync', '--dir', admin, '--server', server.url, '--json'])) as {
    Genesis: { Hash: string };
  };
  const node = join(makeTempDir('tlock-hook-server-'), 'node');
  const joined = await tlock([
    'sync',
    '--dir',
    node,
    '--server',
    server.url,
    '--pin',
    published.Genesis.Hash,
  ]);
  expect(joined.code, joined.stderr).toBe(0);
  return { url: server.url, admin, node, genesis: published.Genesis.Hash };
}

/** The admin trusts a new key (published to the server) and signs a peer with it. */
async function newlyTrustedPeer(
  admin: string,
  url: string,
): Promise<{ head: string; peer: object; key: string }> {
  const signer = generateSigningKey();
  const add = await tlock([
    'add',
    '--dir',
    admin,
    '--server',
    url,
    formatTLPublic(signer.publicKey),
    '--json',
  ]);
  expect(add.code, add.stderr).toBe(0);
  const nodeKey = generateSigningKey().publicKey;
  const key = formatNodeKey(nodeKey);
  const peer = {
    ID: 7,
    Name: 'new.tail.ts.net.',
    Key: key,
    KeySignature: encodeBase64(signNodeKey(signer, nodeKey)),
  };
  return { head: (jsonOf(add) as { Head: string }).Head, peer, key };
}

describe('tlock hook --server', () => {
  it(
    'syncs when TKAInfo.Head is not its head, then accepts a peer signed by a key the sync brought',
    async () => {
      const { url, admin, node } = await tailnet();
      const hook = new HookProcess(['--dir', node, '--server', url, '--workers', '0']);
      hooks.push(hook);
      const before = await headOf(node);
      const { head, peer, key } = await newlyTrustedPeer(admin, url);
      expect(head).not.toBe(before);

      const a = await hook.askJSON({ Peers: [peer], TKAInfo: { Head: head } });
      expect(a['sync']).toMatchObject({ server: url, offered: head, ok: true, head, received: 1 });
      expect(a['head']).toBe(head);
      expect(a['dropped']).toEqual([]);
      expect(JSON.stringify(a['netmap'])).toContain(key);
      expect(await headOf(node)).toBe(head);
      // The same head again: nothing to sync, no "sync" field.
      const again = await hook.askJSON({ Peers: [peer], TKAInfo: { Head: head } });
      expect(again['sync']).toBeUndefined();
      expect(again['dropped']).toEqual([]);
    },
    SLOW,
  );

  it(
    'filters against the local chain when the server cannot be reached, says so, and changes nothing',
    async () => {
      const { url, admin, node } = await tailnet();
      const { head, peer, key } = await newlyTrustedPeer(admin, url);
      const stopped = servers.pop()!;
      await stopped.stop();
      const localHead = await headOf(node);
      const before = dirSnapshot(join(node, 'tka'));
      const hook = new HookProcess([
        '--dir',
        node,
        '--server',
        url,
        '--workers',
        '0',
        '--sync-timeout',
        '2000',
      ]);
      hooks.push(hook);

      const a = await hook.askJSON({ Peers: [peer], TKAInfo: { Head: head } });
      expect(a['sync']).toMatchObject({
        server: url,
        offered: head,
        ok: false,
        code: 'NETWORK',
        head: localHead,
      });
      expect(String((a['sync'] as { message: string }).message)).toContain(
        `filtered against the local chain (head ${localHead})`,
      );
      expect(a['head']).toBe(localHead);
      expect(a['dropped']).toMatchObject([{ key, reason: 'UNTRUSTED_KEY' }]);
      expect(JSON.stringify(a['netmap'])).not.toContain(key.slice('nodekey:'.length));
      expect(dirSnapshot(join(node, 'tka'))).toEqual(before);
    },
    SLOW,
  );

  it('refuses a bad --server or --sync-timeout with status 2', async () => {
    const dir = makeTempDir('tlock-hook-server-');
    for (const args of [
      ['--server', 'ftp://example'],
      ['--node-key', 'nodekey:00'],
      ['--server', 'http://127.0.0.1:1', '--sync-timeout', '0'],
    ]) {
      const r = await tlock(['hook', '--dir', dir, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
  });
});
