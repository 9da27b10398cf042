import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTLPrivate } from '../../src/wire/keytext.js';
import { signingKeyFromPrivate } from '../../src/crypto/ed25519.js';
import { dirSnapshot, makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { stateDirWithAuthority, writeKey } from './authority-fixture.js';
import { jsonOf, tlock } from './tlock-process.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';

afterAll(removeTempDirs);

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('tlock keygen', () => {
  it('writes nlpriv:… to <dir>/key (0600) in a new 0700 directory and prints the public key', async () => {
    const dir = join(makeTempDir('tlock-cli-'), 'state');
    const r = await tlock(['keygen', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tlpub:[0-9a-f]{64}\n$/);
    expect(r.stderr).not.toContain('nlpriv');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const keyPath = join(dir, 'key');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const text = readFileSync(keyPath, 'utf8');
    expect(text).toMatch(/^nlpriv:[0-9a-f]{128}\n$/);
    const key = signingKeyFromPrivate(parseTLPrivate(text.trim()));
    expect(r.stdout.trim()).toBe(`tlpub:${hexOf(key.publicKey)}`);
    expect(readdirSync(dir)).toEqual(['key']); // no temp file left behind
  });

  it('leaves an existing directory’s mode alone', async () => {
    const dir = join(makeTempDir('tlock-cli-'), 'state');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    expect((await tlock(['keygen', '--dir', dir])).code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
  });

  it('never overwrites a key: status 2, the key file byte for byte as it was', async () => {
    const dir = makeTempDir('tlock-cli-');
    expect((await tlock(['keygen', '--dir', dir])).code).toBe(0);
    const before = dirSnapshot(dir);
    const r = await tlock(['keygen', '--dir', dir, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${join(dir, 'key')} already exists`);
    expect(dirSnapshot(dir)).toEqual(before);
  });

  it('--json prints the public key and the key file, and nothing else', async () => {
    const dir = makeTempDir('tlock-cli-');
    const r = await tlock(['keygen', '--dir', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = jsonOf(r) as Record<string, string>;
    expect(Object.keys(doc)).toEqual(['PublicKey', 'KeyFile']);
    expect(doc['PublicKey']).toMatch(/^tlpub:[0-9a-f]{64}$/);
    expect(doc['KeyFile']).toBe(join(dir, 'key'));
  });

  it('a state directory path that is a file: status 3, nothing written', async () => {
    const parent = makeTempDir('tlock-cli-');
    const file = join(parent, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await tlock(['keygen', '--dir', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is not a directory');
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('tlock status', () => {
  it('without an authority: NOT enabled, status 0; the key shown when there is one', async () => {
    const dir = makeTempDir('tlock-cli-');
    const bare = await tlock(['status', '--dir', dir]);
    expect(bare).toMatchObject({ code: 0, stdout: 'Tailnet Lock is NOT enabled.\n\n', stderr: '' });
    expect(jsonOf(await tlock(['status', '--dir', dir, '--json']))).toEqual({
      SchemaVersion: '1',
      Enabled: false,
    });
    const key = generateSigningKey();
    writeKey(dir, key);
    const doc = jsonOf(await tlock(['status', '--dir', dir, '--json']));
    expect(doc).toEqual({ SchemaVersion: '1', Enabled: false, PublicKey: `tlpub:${hexOf(key.publicKey)}` });
    expect(readdirSync(dir)).toEqual(['key']); // status created no store
  });

  it('with an authority: Tailscale’s text, and the v1 JSON with the state ID exact', async () => {
    const dir = makeTempDir('tlock-cli-');
    const { self, other, head } = await stateDirWithAuthority(dir);
    const text = await tlock(['status', '--dir', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      [
        'Tailnet Lock is ENABLED.',
        '',
        `Head: ${head}`,
        '',
        `This node's tailnet-lock key: tlpub:${hexOf(self.publicKey)}`,
        '',
        'Trusted signing keys:',
        `\ttlpub:${hexOf(self.publicKey)}\t2\t(self)`,
        `\ttlpub:${hexOf(other.publicKey)}\t1\t(pre-auth key)`,
        '',
      ].join('\n'),
    );
    const r = await tlock(['status', '--dir', dir, '--json']);
    expect(r.stdout).toContain('"State": 18446744073709551557\n');
    const doc = jsonOf(r) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual([
      'SchemaVersion',
      'Enabled',
      'PublicKey',
      'Head',
      'TrustedKeys',
      'State',
    ]);
    expect(doc).toMatchObject({
      SchemaVersion: '1',
      Enabled: true,
      PublicKey: `tlpub:${hexOf(self.publicKey)}`,
      Head: head,
      TrustedKeys: [
        { Kind: '25519', Votes: 2, Public: `tlpub:${hexOf(self.publicKey)}` },
        {
          Kind: '25519',
          Votes: 1,
          Public: `tlpub:${hexOf(other.publicKey)}`,
          Meta: { purpose: 'pre-auth key' },
        },
      ],
    });
  });

  it('warns about a key file others can read (stderr, and _WARNING in JSON)', async () => {
    const dir = makeTempDir('tlock-cli-');
    writeKey(dir, generateSigningKey(), 0o644);
    chmodSync(join(dir, 'key'), 0o644);
    const r = await tlock(['status', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('chmod 600');
    const doc = jsonOf(await tlock(['status', '--dir', dir, '--json'])) as Record<string, unknown>;
    expect(doc['_WARNING']).toContain('accessible by group or others (mode 0644)');
  });

  it('a damaged store: status 3, the file named, nothing deleted or changed', async () => {
    const dir = makeTempDir('tlock-cli-');
    await stateDirWithAuthority(dir);
    const tka = join(dir, 'tka');
    const sub = readdirSync(tka).find((n) => n.length === 2)!;
    const file = readdirSync(join(tka, sub))[0]!;
    const path = join(tka, sub, file);
    writeFileSync(path, readFileSync(path).subarray(0, 20)); // truncated
    const before = dirSnapshot(dir);
    for (const args of [['status'], ['status', '--json']]) {
      const r = await tlock([...args, '--dir', dir]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(file);
      expect(r.stderr).toContain('Nothing was changed or deleted');
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect(dirSnapshot(dir)).toEqual(before);
  });
});
