import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { ControlClient } from '../../src/control/client.js';
import { type SigningKey, generateSigningKey, signingKeyFromPrivate } from '../../src/crypto/ed25519.js';
import { FileStore } from '../../src/store/file-store.js';
import { encodeBase64 } from '../../src/wire/base64.js';
import { formatNodeKey, formatTLPublic, nodeKeyFromBinary, nodeKeyToBinary } from '../../src/wire/keytext.js';
import { type NodeKeySignature, SigKind, decodeNodeKeySignature } from '../../src/model/nks.js';
import { signedBytes } from '../nks-fixtures.js';
import { signByCredential } from '../../src/signing/credential.js';
import { unwrapAuthKey } from '../../src/signing/wrapped-authkey.js';
import { ServerProcess } from '../control/fixtures.js';
import { dirSnapshot, makeTempDir } from '../support/temp-dirs.js';
import { stateDirWithAuthority, writeKey } from './authority-fixture.js';
import { jsonOf, tlock } from './tlock-process.js';

/*
 * `tlock sync` and the --server options, run as a user runs them: the built binary against a real
 * `tlock serve` on loopback, each machine a state directory.
 */

/** Each test runs the binary a dozen times or more; on a loaded 2-core machine that is slow. */
const SLOW = 120_000;

const servers: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function startServer(dataDir = join(makeTempDir('tlock-serve-'), 'data')): Promise<ServerProcess> {
  const s = await ServerProcess.start(dataDir);
  servers.push(s);
  return s;
}

const newNodeKey = (): string => formatNodeKey(generateSigningKey().publicKey);
const tlpub = (pub: Uint8Array): string => formatTLPublic(pub);

async function headOf(dir: string): Promise<string> {
  return (await Authority.open(await FileStore.open(join(dir, 'tka')))).head;
}

interface SyncDoc {
  Head: string;
  ServerHead: string;
  InSync: boolean;
  Received: number;
  Sent: number;
  Genesis?: { Hash: string; How: string };
}

/** `tlock sync --json`, expecting success. */
async function sync(dir: string, url: string, ...more: string[]): Promise<SyncDoc> {
  const r = await tlock(['sync', '--dir', dir, '--server', url, '--json', ...more]);
  expect(r.stderr, r.stderr).not.toMatch(/tlock: /);
  expect(r.code).toBe(0);
  return jsonOf(r) as SyncDoc;
}

/** An admin's state directory: this machine's key `self` (2 votes), trusted with `other` (1 vote). */
interface Admin {
  dir: string;
  genesis: string;
  self: SigningKey;
  other: SigningKey;
}

/**
 * A tailnet as the tests start one: a `tlock serve` (on `dataDir` if given) and an admin
 * directory that published its chain there with `tlock sync`.
 */
async function tailnet(dataDir?: string): Promise<{ server: ServerProcess; admin: Admin }> {
  const server = await startServer(dataDir);
  const dir = join(makeTempDir('tlock-sync-'), 'admin');
  const { self, other } = await stateDirWithAuthority(dir);
  const doc = await sync(dir, server.url);
  expect(doc.Genesis?.How).toBe('published');
  return { server, admin: { dir, genesis: doc.Genesis!.Hash, self, other } };
}

/** A copy of a state directory (another machine holding the same key and chain). */
function copyOf(dir: string, name: string): string {
  const copy = join(makeTempDir('tlock-sync-'), name);
  cpSync(dir, copy, { recursive: true });
  return copy;
}

const nodeDir = (): string => join(makeTempDir('tlock-sync-'), 'node');

/** A node directory synced with the server at `url`, pinned to `genesis`. */
async function pinnedNode(url: string, genesis: string): Promise<string> {
  const node = nodeDir();
  await sync(node, url, '--pin', genesis);
  return node;
}

describe('tlock sync: admins and nodes converge through tlock serve', () => {
  let server: ServerProcess;
  let admin: Admin;

  beforeAll(async () => {
    ({ server, admin } = await tailnet());
  });

  it('publishes the admin’s genesis once, prints it for nodes to pin, then syncs as usual', async () => {
    const r = await tlock(['sync', '--dir', admin.dir, '--server', server.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Synced with ${server.url}: head ${await headOf(admin.dir)}; received 0 AUMs, sent 0.\n`,
    );
    expect(readFileSync(join(admin.dir, 'genesis-pin'), 'utf8')).toBe(`${admin.genesis}\n`);
  });

  it(
    'a node starts only on a pin or --tofu; a wrong pin is status 1 and nothing is stored',
    async () => {
      const dir = nodeDir();
      const none = await tlock(['sync', '--dir', dir, '--server', server.url]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/--pin <genesis hash>.*--tofu/s);
      const wrong = await tlock(['sync', '--dir', dir, '--server', server.url, '--pin', 'A'.repeat(52)]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`the server's genesis is ${admin.genesis}, not the pinned`);
      expect(existsSync(dir)).toBe(false);

      const pinned = await sync(dir, server.url, '--pin', admin.genesis);
      expect(pinned.Genesis).toEqual({ Hash: admin.genesis, How: 'pinned' });
      expect(pinned.Head).toBe(await headOf(admin.dir));
      expect(readFileSync(join(dir, 'genesis-pin'), 'utf8')).toBe(`${admin.genesis}\n`);

      const tofuDir = nodeDir();
      const tofu = await tlock(['sync', '--dir', tofuDir, '--server', server.url, '--tofu']);
      expect(tofu.code).toBe(0);
      expect(tofu.stderr).toContain(`trusted the server's genesis on first use: compare ${admin.genesis}`);
      expect(readFileSync(join(tofuDir, 'genesis-pin'), 'utf8')).toBe(`${admin.genesis}\n`);
    },
    SLOW,
  );

  it(
    'changes made with --server reach the nodes at their next sync, and status --server shows both heads',
    async () => {
      const node = nodeDir();
      await sync(node, server.url, '--pin', admin.genesis, '--node-key', newNodeKey());
      const added = tlpub(generateSigningKey().publicKey);
      const add = await tlock(['add', '--dir', admin.dir, '--server', server.url, added]);
      expect(add.code).toBe(0);
      expect(add.stdout).toContain(`Published to ${server.url}`);
      const head = await headOf(admin.dir);

      const before = await tlock(['status', '--dir', node, '--server', server.url]);
      expect(before.code).toBe(0);
      expect(before.stdout).toContain(`Server ${server.url}: head ${head}\n`);
      expect(before.stdout).toContain('the server holds 1 AUM this directory lacks');
      const doc = await sync(node, server.url);
      expect(doc).toMatchObject({ Head: head, ServerHead: head, InSync: true, Received: 1, Sent: 0 });
      const after = jsonOf(await tlock(['status', '--dir', node, '--server', server.url, '--json'])) as {
        Head: string;
        Server: { Head: string; Relation: string; VerifiedHead: string };
      };
      expect(after.Head).toBe(head);
      expect(after.Server).toMatchObject({ Head: head, Relation: 'in-sync', VerifiedHead: head });
    },
    SLOW,
  );

  it('status --server shows a server that lacks the admin’s newest AUMs (what a freeze looks like)', async () => {
    const dir = copyOf(admin.dir, 'admin2');
    await sync(dir, server.url);
    const serverHead = await headOf(dir);
    expect((await tlock(['add', '--dir', dir, tlpub(generateSigningKey().publicKey)])).code).toBe(0);
    const r = await tlock(['status', '--dir', dir, '--server', server.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Head: ${await headOf(dir)}\n`);
    expect(r.stdout).toContain(`Server ${server.url}: head ${serverHead}\n`);
    expect(r.stdout).toMatch(/the server lacks the newest 1 AUM this directory holds.*a freeze/s);
  });

  it('refuses bad --server, --node-key and --pin values (status 2) before touching anything', async () => {
    const dir = nodeDir();
    for (const [args, message] of [
      [['--server', 'ftp://x'], 'use http:// or https://'],
      [['--server', server.url, '--node-key', 'nodekey:12'], '--node-key: expected nodekey:'],
      [['--server', server.url, '--pin', 'nope'], '--pin: expected the genesis hash'],
      [['--server', server.url, '--pin', admin.genesis, '--tofu'], 'give --pin or --tofu, not both'],
      [[], 'give --server URL'],
    ] as const) {
      const r = await tlock(['sync', '--dir', dir, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('an unreachable server is status 3 and changes nothing', async () => {
    const before = dirSnapshot(admin.dir);
    const r = await tlock(['sync', '--dir', admin.dir, '--server', 'http://127.0.0.1:1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
    expect(dirSnapshot(admin.dir)).toEqual(before);
  });
});

describe('tlock sync: refusals', () => {
  it(
    'a node pinned to one genesis refuses a server with another, even after losing its chain',
    async () => {
      const { server: first, admin } = await tailnet();
      const node = await pinnedNode(first.url, admin.genesis);
      const { server: other, admin: otherAdmin } = await tailnet();
      expect(otherAdmin.genesis).not.toBe(admin.genesis);

      rmSync(join(node, 'tka'), { recursive: true });
      const before = dirSnapshot(node);
      const lost = await tlock(['sync', '--dir', node, '--server', other.url]);
      expect(lost.code).toBe(1);
      expect(lost.stderr).toContain(
        `the server's genesis is ${otherAdmin.genesis}, not the pinned ${admin.genesis}`,
      );
      const explicit = await tlock([
        'sync',
        '--dir',
        node,
        '--server',
        other.url,
        '--pin',
        otherAdmin.genesis,
      ]);
      expect(explicit.code).toBe(1);
      expect(explicit.stderr).toContain(`is not the genesis this directory trusts (${admin.genesis}`);
      const tofu = await tlock(['sync', '--dir', node, '--server', other.url, '--tofu']);
      expect(tofu.code).toBe(1);
      expect(dirSnapshot(node)).toEqual(before);
    },
    SLOW,
  );

  it(
    'a rollback to an older head is refused with a message that says so, and nothing changes',
    async () => {
      const dataDir = join(makeTempDir('tlock-serve-'), 'data');
      const { server, admin } = await tailnet(dataDir);
      const node = await pinnedNode(server.url, admin.genesis);
      const old = join(makeTempDir('tlock-serve-'), 'old');
      cpSync(dataDir, old, { recursive: true });
      const oldHead = await headOf(node);

      const add = await tlock([
        'add',
        '--dir',
        admin.dir,
        '--server',
        server.url,
        tlpub(generateSigningKey().publicKey),
      ]);
      expect(add.code).toBe(0);
      const newHead = (await sync(node, server.url)).Head;
      expect(newHead).not.toBe(oldHead);

      const rolledBack = await startServer(old); // the server as it was, restored from an old backup
      const before = dirSnapshot(node);
      const status = jsonOf(await tlock(['status', '--dir', node, '--server', rolledBack.url, '--json'])) as {
        Server: { Relation: string; Head: string };
      };
      expect(status.Server).toMatchObject({ Relation: 'rolled-back', Head: oldHead });
      const r = await tlock(['sync', '--dir', node, '--server', rolledBack.url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `rollback refused: the server offers head ${oldHead}, older than head ${newHead}`,
      );
      expect(r.stderr).toContain('nothing was changed');
      expect(dirSnapshot(node)).toEqual(before);
    },
    SLOW,
  );
});

describe('tlock sync: concurrent admins', () => {
  it(
    'admins syncing competing changes at once leave one chain that every copy agrees on',
    async () => {
      const { server, admin: first } = await tailnet();
      const admins = [first.dir, copyOf(first.dir, 'admin1'), copyOf(first.dir, 'admin2')];
      // Each makes its own change offline, then all sync at once: a fork, which fork resolution settles.
      for (const dir of admins) {
        expect((await tlock(['add', '--dir', dir, tlpub(generateSigningKey().publicKey)])).code).toBe(0);
      }
      const results = await Promise.all(
        admins.map((dir) => tlock(['sync', '--dir', dir, '--server', server.url])),
      );
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      for (const dir of admins) await sync(dir, server.url);
      const heads = await Promise.all(admins.map(headOf));
      const serverHead = (await sync(admins[0]!, server.url)).ServerHead;
      expect(new Set([...heads, serverHead])).toEqual(new Set([serverHead]));
      const log = async (dir: string): Promise<string> =>
        (await tlock(['log', '--dir', dir, '--json'])).stdout;
      const logs = await Promise.all(admins.map(log));
      expect(new Set(logs).size).toBe(1);
    },
    SLOW,
  );

  it(
    'admins publishing changes at once: each is taken or refused as "the head moved", and nothing is lost',
    async () => {
      const { server, admin: first } = await tailnet();
      const admins = [first.dir, copyOf(first.dir, 'admin1'), copyOf(first.dir, 'admin2')];
      const keys = admins.map(() => tlpub(generateSigningKey().publicKey));
      const results = await Promise.all(
        admins.map((dir, i) => tlock(['add', '--dir', dir, '--server', server.url, keys[i]!])),
      );
      const taken = keys.filter((_, i) => results[i]!.code === 0);
      expect(taken.length).toBeGreaterThan(0);
      for (const r of results) {
        if (r.code !== 0) {
          expect(r.code).toBe(1);
          expect(r.stderr).toContain('refused the change: its head moved');
          expect(r.stderr).toContain('Nothing was changed, here or on the server');
        }
      }
      await sync(first.dir, server.url);
      const trusted = (await tlock(['status', '--dir', first.dir, '--json'])).stdout;
      for (const [i, k] of keys.entries())
        expect(trusted.includes(k), `key ${i}`).toBe(results[i]!.code === 0);
    },
    SLOW,
  );
});

/**
 * A proxy in front of `url` that, the first time an admin publishes a change (an interactive
 * sync/send), runs `interfere` before passing the request on: the head moves under the admin.
 */
async function interferingProxy(
  url: string,
  interfere: () => Promise<void>,
): Promise<{ url: string; close(): void }> {
  let done = false;
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        if (!done && body.toString().includes('"Interactive":true')) {
          done = true;
          await interfere();
        }
        const forward = request(
          new URL(req.url!, url),
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, close: () => proxy.close() };
}

describe('tlock add --server when the head moves', () => {
  it(
    'says the server refused because the head moved (status 1), and nothing changes on either side',
    async () => {
      const { server, admin } = await tailnet();
      const other = copyOf(admin.dir, 'other');
      const theirs = tlpub(generateSigningKey().publicKey);
      const proxy = await interferingProxy(server.url, async () => {
        const r = await tlock(['add', '--dir', other, '--server', server.url, theirs]);
        expect(r.code, r.stderr).toBe(0);
      });
      try {
        const before = dirSnapshot(admin.dir);
        const ours = tlpub(generateSigningKey().publicKey);
        const r = await tlock(['add', '--dir', admin.dir, '--server', proxy.url, ours]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`${proxy.url} refused the change: its head moved`);
        expect(r.stderr).toContain('Nothing was changed, here or on the server');
        expect(dirSnapshot(admin.dir)).toEqual(before);
        await sync(admin.dir, server.url);
        const keys = (await tlock(['status', '--dir', admin.dir, '--json'])).stdout;
        expect(keys).toContain(theirs);
        expect(keys).not.toContain(ours);
      } finally {
        proxy.close();
      }
    },
    SLOW,
  );
});

describe('tlock sign nodekey --server and remove --re-sign', () => {
  it(
    'remove --re-sign signs anew the nodes the removed key signed, so none is locked out',
    async () => {
      const {
        server,
        admin: { dir, genesis, self, other },
      } = await tailnet();
      // A second admin holds `other` and signs two nodes; this admin signs a third.
      const otherDir = join(makeTempDir('tlock-sync-'), 'other');
      writeKey(otherDir, other);
      cpSync(join(dir, 'tka'), join(otherDir, 'tka'), { recursive: true });
      const [n1, n2, n3] = [newNodeKey(), newNodeKey(), newNodeKey()];
      const signed = await tlock([
        'sign',
        'nodekey',
        '--dir',
        otherDir,
        '--server',
        server.url,
        n1,
        n2,
        '--json',
      ]);
      expect(signed.code).toBe(0);
      expect(signed.stderr).toContain(`Submitted 2 signatures to ${server.url}`);
      const oldSigs = jsonOf(signed) as { NodeKey: string; Signature: string }[];
      expect((await tlock(['sign', 'nodekey', '--dir', dir, '--server', server.url, n3])).code).toBe(0);

      const r = await tlock([
        'remove',
        '--dir',
        dir,
        '--server',
        server.url,
        '--re-sign',
        '--yes',
        tlpub(other.publicKey),
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = jsonOf(r) as { Resigned: string[]; Server: string; Head: string };
      expect(new Set(doc.Resigned)).toEqual(new Set([n1, n2]));
      expect(doc.Server).toBe(server.url);

      // A node that syncs now refuses the old signatures and accepts those the server hands out.
      const node = await pinnedNode(server.url, genesis);
      expect(await headOf(node)).toBe(doc.Head);
      for (const { NodeKey, Signature } of oldSigs) {
        const stale = await tlock(['verify', 'nodekey', '--dir', node, NodeKey, Signature]);
        expect(stale.code).toBe(1);
      }
      const client = new ControlClient(server.url);
      const current = await client.signaturesUsingKey(self.publicKey);
      client.close();
      const byNode = new Map(
        current.map((sig) => [formatNodeKey(nodeKeyFromBinary(decodeNodeKeySignature(sig).pubkey!)!), sig]),
      );
      expect(new Set(byNode.keys())).toEqual(new Set([n1, n2, n3]));
      for (const [nodeKey, sig] of byNode) {
        const fresh = await tlock(['verify', 'nodekey', '--dir', node, nodeKey, encodeBase64(sig)]);
        expect(fresh.code, fresh.stderr).toBe(0);
      }
    },
    SLOW,
  );

  it('--re-sign needs --server, and refuses to remove the signing key itself', async () => {
    const {
      server,
      admin: { dir, self },
    } = await tailnet();
    const before = dirSnapshot(dir);
    const offline = await tlock(['remove', '--dir', dir, '--re-sign', '--yes', tlpub(self.publicKey)]);
    expect(offline.code).toBe(2);
    expect(offline.stderr).toContain('--re-sign asks the coordination server');
    const own = await tlock([
      'remove',
      '--dir',
      dir,
      '--server',
      server.url,
      '--re-sign',
      '--yes',
      tlpub(self.publicKey),
    ]);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain("this machine's key, which is among those removed");
    expect(dirSnapshot(dir)).toEqual(before);
  });
});

/**
 * A tailnet whose admin made a pre-signed auth key (`tlock sign authkey`) and published its
 * pre-auth key, and a node that joined with it: `signJoin` makes the signature the node submits
 * from the auth key's one-time private key and credential.
 */
async function joinedWithPreAuthKey(
  authKey: string,
  signJoin: (oneTime: Uint8Array, credential: NodeKeySignature, nodeKey: Uint8Array) => Uint8Array,
): Promise<{
  server: ServerProcess;
  admin: Admin;
  preAuthKey: string;
  joiner: Uint8Array;
  joined: Uint8Array;
}> {
  const { server, admin } = await tailnet();
  const made = await tlock(['sign', 'authkey', '--dir', admin.dir, authKey, '--json']);
  expect(made.code, made.stderr).toBe(0);
  const { WrappedAuthKey, PreAuthKey } = jsonOf(made) as { WrappedAuthKey: string; PreAuthKey: string };
  await sync(admin.dir, server.url);
  const { credential, privateKey } = unwrapAuthKey(WrappedAuthKey);
  const joiner = generateSigningKey().publicKey;
  const joined = signJoin(privateKey!, credential!, joiner);
  const client = new ControlClient(server.url);
  await client.submitSignature(joined);
  client.close();
  return { server, admin, preAuthKey: PreAuthKey, joiner, joined };
}

/** The one node-key signature the server keeps that `key` made. */
async function onlySignatureBy(url: string, key: SigningKey): Promise<Uint8Array> {
  const client = new ControlClient(url);
  const [sig, ...more] = await client.signaturesUsingKey(key.publicKey);
  client.close();
  expect(more).toEqual([]);
  return sig!;
}

describe('tlock remove --re-sign of a pre-auth key', () => {
  it(
    'drops every rotation key the joining node’s signature names above the credential',
    async () => {
      // The joining node's signature names a rotation key of its choosing above the credential:
      // a holder of the auth key's text could sign that, so it must not survive the re-sign.
      const { server, admin, preAuthKey, joiner } = await joinedWithPreAuthKey(
        'tskey-auth-remove',
        (oneTime, credential, nodeKey) =>
          signedBytes(signingKeyFromPrivate(oneTime), {
            sigKind: SigKind.Rotation,
            pubkey: nodeKeyToBinary(nodeKey),
            nested: credential,
            wrappingPubkey: generateSigningKey().publicKey,
          }),
      );

      const r = await tlock([
        'remove',
        '--dir',
        admin.dir,
        '--server',
        server.url,
        '--re-sign',
        '--yes',
        preAuthKey,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect((jsonOf(r) as { Resigned: string[] }).Resigned).toEqual([formatNodeKey(joiner)]);
      const fresh = decodeNodeKeySignature(await onlySignatureBy(server.url, admin.self));
      expect(fresh).toMatchObject({ sigKind: SigKind.Direct, keyID: admin.self.publicKey });
      expect(fresh.wrappingPubkey).toBeUndefined();
    },
    SLOW,
  );
});

describe('tlock prune-preauth --server', () => {
  it(
    're-signs the nodes that joined with the pruned pre-auth keys, without the credential’s key, then removes the keys',
    async () => {
      // A node joins with the pre-signed auth key: it signs its own node key with the credential.
      const { server, admin, preAuthKey, joiner, joined } = await joinedWithPreAuthKey(
        'tskey-auth-prune',
        signByCredential,
      );
      await new Promise((r) => setTimeout(r, 2100)); // "created" is to the second

      const r = await tlock([
        'prune-preauth',
        '--dir',
        admin.dir,
        '--server',
        server.url,
        '--older-than',
        '1s',
        '--yes',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = jsonOf(r) as {
        Removed: { Public: string }[];
        Resigned: string[];
        Server: string;
        Head: string;
      };
      expect(doc.Removed.map((k) => k.Public)).toEqual([preAuthKey]);
      expect(doc.Resigned).toEqual([formatNodeKey(joiner)]);
      expect(doc.Server).toBe(server.url);

      const node = await pinnedNode(server.url, admin.genesis);
      expect(await headOf(node)).toBe(doc.Head);
      const stale = await tlock([
        'verify',
        'nodekey',
        '--dir',
        node,
        formatNodeKey(joiner),
        encodeBase64(joined),
      ]);
      expect(stale.code).toBe(1);
      const fresh = await onlySignatureBy(server.url, admin.self);
      const nks = decodeNodeKeySignature(fresh);
      expect(nks.wrappingPubkey === undefined || nks.wrappingPubkey.length === 0).toBe(true);
      const ok = await tlock([
        'verify',
        'nodekey',
        '--dir',
        node,
        formatNodeKey(joiner),
        encodeBase64(fresh),
      ]);
      expect(ok.code, ok.stderr).toBe(0);
    },
    SLOW,
  );
});
