import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { FileStore } from '../../src/store/file-store.js';
import { fromHex } from '../../src/wire/bytes.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { dirSnapshot, makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { writeKey } from './authority-fixture.js';
import { adminDir, fixtureKeyFile, fixturePub } from './fixture-dirs.js';
import { onTerminal } from './terminal.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function keyedDir(): { dir: string; self: string } {
  const dir = makeTempDir('tlock-cli-');
  const key = generateSigningKey();
  writeKey(dir, key);
  return { dir, self: `tlpub:${hexOf(key.publicKey)}` };
}

describe('tlock init', () => {
  it('without --confirm and without a terminal: shows the plan, exits 2 with the command to confirm, writes nothing', async () => {
    const { dir, self } = keyedDir();
    const other = fixturePub('adminB');
    const before = dirSnapshot(dir);
    const r = await tlock(['init', '--dir', dir, `${other}?2`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('You are initializing Tailnet Lock with the following trusted signing keys:');
    expect(r.stdout).toContain(` - ${self} (25519 key, 1 vote) (self)`);
    expect(r.stdout).toContain(` - ${other} (25519 key, 2 votes)`);
    expect(r.stderr).toContain('add --confirm');
    expect(r.stderr).toContain(`tlock init --confirm --dir ${dir} '${other}?2'`);
    expect(dirSnapshot(dir)).toEqual(before);
  });

  it('with --confirm: stores the genesis, then prints the secrets once; the values are their KDF', async () => {
    const { dir, self } = keyedDir();
    const other = fixturePub('adminB');
    const r = await tlock(['init', '--dir', dir, '--confirm', '--gen-disablements', '2', `${other}?3`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Deriving 2 disablement values');
    const secrets = [...r.stdout.matchAll(/^\tdisablement-secret:([0-9A-F]{64})$/gm)].map((m) => m[1]!);
    expect(secrets).toHaveLength(2);
    expect(r.stdout).toMatch(/Initialization complete\.\n$/);
    const store = await FileStore.open(join(dir, 'tka'));
    const authority = await Authority.open(store);
    expect(r.stdout).toContain(`Head: ${authority.head}`);
    expect(authority.keys().map((k) => [`tlpub:${hexOf(k.public!)}`, k.votes])).toEqual([
      [self, 1],
      [other, 3],
    ]);
    for (const s of secrets) expect(await authority.validDisablement(fromHex(s))).toBe(true);
    expect(statSync(join(dir, 'tka')).mode & 0o777).toBe(0o700);
  });

  it('--json prints the head, the keys and the secrets, and nothing else on stdout', async () => {
    const { dir, self } = keyedDir();
    const r = await tlock(['init', '--dir', dir, '--confirm', '--json', `${self}?4`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = jsonOf(r) as {
      Head: string;
      TrustedKeys: { Public: string; Votes: number }[];
      DisablementSecrets: string[];
    };
    expect(Object.keys(doc)).toEqual(['Head', 'TrustedKeys', 'DisablementSecrets']);
    expect(doc.TrustedKeys).toEqual([{ Kind: '25519', Votes: 4, Public: self }]);
    expect(doc.DisablementSecrets[0]).toMatch(/^disablement-secret:[0-9A-F]{64}$/);
  });

  it('takes disablement:<hex> values, and refuses a disablement-secret, too many values, or none', async () => {
    const { dir } = keyedDir();
    const value = 'ab'.repeat(32);
    const before = dirSnapshot(dir);
    for (const [args, message] of [
      [['disablement-secret:' + 'AB'.repeat(32)], 'is a disablement secret'],
      [['--gen-disablements', '0'], 'at least one disablement value'],
      [['--gen-disablements', '33'], 'from 0 to 32'],
      [['disablement:abc'], '64 hex characters'],
      [['tlpub:1234'], 'is not a key'],
      [[fixturePub('adminB'), fixturePub('adminB')], 'named more than once'],
      [[`${fixturePub('adminB')}?0`], 'votes must be a whole number from 1 to 4096'],
    ] as const) {
      const r = await tlock(['init', '--dir', dir, '--confirm', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    expect(dirSnapshot(dir)).toEqual(before);
    const r = await tlock([
      'init',
      '--dir',
      dir,
      '--confirm',
      '--gen-disablements',
      '0',
      `disablement:${value}`,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect((jsonOf(r) as { DisablementSecrets: string[] }).DisablementSecrets).toEqual([]);
    const authority = await Authority.open(await FileStore.open(join(dir, 'tka')));
    expect(hexOf(authority.state.disablementValues![0]!)).toBe(value);
  });

  it('refuses when an authority is already there, or when there is no key (run keygen)', async () => {
    const dir = adminDir();
    const before = dirSnapshot(dir);
    const again = await tlock(['init', '--dir', dir, '--confirm']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already enabled');
    expect(dirSnapshot(dir)).toEqual(before);
    const empty = makeTempDir('tlock-cli-');
    const nokey = await tlock(['init', '--dir', empty, '--confirm']);
    expect(nokey.code).toBe(2);
    expect(nokey.stderr).toContain('tlock keygen');
    expect(readdirSync(empty)).toEqual([]);
  });

  it('signs with --key file:PATH or - (stdin), and refuses a key file others can read', async () => {
    const dir = makeTempDir('tlock-cli-');
    const viaFile = await tlock([
      'init',
      '--dir',
      dir,
      '--confirm',
      '--json',
      '--key',
      `file:${fixtureKeyFile('adminC')}`,
    ]);
    expect(viaFile.code).toBe(0);
    expect((jsonOf(viaFile) as { TrustedKeys: { Public: string }[] }).TrustedKeys[0]!.Public).toBe(
      fixturePub('adminC'),
    );

    const dir2 = makeTempDir('tlock-cli-');
    const keyText = readFileSync(fixtureKeyFile('adminD'), 'utf8');
    const viaStdin = await tlock(['init', '--dir', dir2, '--confirm', '--json', '--key', '-'], {
      input: keyText,
    });
    expect(viaStdin.code).toBe(0);
    expect((jsonOf(viaStdin) as { TrustedKeys: { Public: string }[] }).TrustedKeys[0]!.Public).toBe(
      fixturePub('adminD'),
    );

    const dir3 = makeTempDir('tlock-cli-');
    const open = fixtureKeyFile('adminE', 0o640);
    const refused = await tlock(['init', '--dir', dir3, '--confirm', '--key', `file:${open}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('accessible by group or others (mode 0640)');
    expect(readdirSync(dir3)).toEqual([]);

    const literal = await tlock(['init', '--dir', dir3, '--confirm', '--key', keyText.trim()]);
    expect(literal.code).toBe(2);
    expect(literal.stderr).toContain('never on the command line');
    expect(literal.stderr).not.toContain(keyText.trim());
  });

  it('asks on a terminal: "y" goes ahead, anything else changes nothing (status 1)', async () => {
    const { dir } = keyedDir();
    const no = await onTerminal(['init', '--dir', dir], { waitFor: '[y/N]', answer: 'n\n' });
    expect(no.code).toBe(1);
    expect(no.screen).toContain('nothing was changed');
    expect(readdirSync(dir)).toEqual(['key']);
    const yes = await onTerminal(['init', '--dir', dir], { waitFor: '[y/N]', answer: 'y\n' });
    expect(yes.code).toBe(0);
    expect(yes.screen).toMatch(/disablement-secret:[0-9A-F]{64}/);
  });
});
