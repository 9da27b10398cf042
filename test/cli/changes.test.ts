import { chmodSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { FileStore } from '../../src/store/file-store.js';
import { decodeAUM, aumHash } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { dirSnapshot, removeTempDirs } from '../support/temp-dirs.js';
import { FIXTURES, adminDir, fixtureKeyFile, fixturePub } from './fixture-dirs.js';
import { onTerminal } from './terminal.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

const keysOf = async (
  dir: string,
): Promise<[string, number | bigint, Record<string, string> | undefined][]> => {
  const authority = await Authority.open(await FileStore.open(join(dir, 'tka')));
  return authority.keys().map((k) => [`tlpub:${Buffer.from(k.public!).toString('hex')}`, k.votes, k.meta]);
};

// The fixture authority trusts A (2 votes, this directory's key), B, C (3 votes) and E.
const [A, B, C, D, E, OUT] = ['adminA', 'adminB', 'adminC', 'adminD', 'adminE', 'outsider'].map(
  fixturePub,
) as [string, string, string, string, string, string];

describe('tlock add, remove, set-votes, set-meta', () => {
  it('add: every key in one update, printed, and --json gives the head and the updates (Raw re-hashes)', async () => {
    const dir = adminDir();
    const text = await tlock(['add', '--dir', dir, `${D}?2`, OUT]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Added ${D} (2 votes).\nAdded ${OUT} (1 vote).\nHead: `);
    expect((await keysOf(dir)).slice(-2)).toEqual([
      [D, 2, undefined],
      [OUT, 1, undefined],
    ]);

    const dir2 = adminDir();
    const r = await tlock(['add', '--dir', dir2, D, '--json']);
    const doc = jsonOf(r) as {
      Head: string;
      Updates: { Hash: string; AUM: { MessageKind: string }; Raw: string }[];
    };
    expect(doc.Updates.map((u) => u.AUM.MessageKind)).toEqual(['add-key']);
    const raw = Buffer.from(doc.Updates[0]!.Raw, 'base64url');
    expect(hashToBase32(aumHash(decodeAUM(raw)))).toBe(doc.Updates[0]!.Hash);
    expect(doc.Head).toBe(doc.Updates[0]!.Hash);
  });

  it('refused changes leave the store byte for byte as it was (and say why, status 2)', async () => {
    const dir = adminDir();
    const before = dirSnapshot(dir);
    const smallOrder = 'tlpub:' + '00'.repeat(32);
    for (const [args, message] of [
      [['add', B], 'already trusted'],
      [['add', D, B], 'already trusted'], // all or nothing: D is not added either
      [['add', smallOrder], 'small-order'],
      [['add', 'tlpub:xyz'], 'is not a key'],
      [['remove', '--yes', D], 'is not a trusted key'],
      [['remove', '--yes', A, B, C, E], 'refusing to remove every trusted key'],
      [['set-votes', `${B}?0`], 'votes must be'],
      [['set-votes', B], `as ${B}?2`],
      [['set-votes', `${D}?2`], 'is not a trusted key'],
      [['set-meta', B, 'novalue'], 'KEY=VALUE'],
      [['set-meta', B, `big=${'x'.repeat(600)}`], '512'],
      [['add', D, '--key', `file:${fixtureKeyFile('outsider')}`], 'is not trusted by the authority'],
    ] as const) {
      const r = await tlock([...args, '--dir', dir]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect(dirSnapshot(dir)).toEqual(before);
  });

  it('remove: lists the keys and needs --yes without a terminal; with --yes removes them in one update', async () => {
    const dir = adminDir();
    const before = dirSnapshot(dir);
    const refused = await tlock(['remove', '--dir', dir, B, E]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(` - ${B}\n - ${E}\n`);
    expect(refused.stderr).toContain(`add --yes to go ahead:\n  tlock remove --yes --dir ${dir} ${B} ${E}`);
    expect(dirSnapshot(dir)).toEqual(before);

    const r = await tlock(['remove', '--dir', dir, '--yes', '--json', B, E]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = jsonOf(r) as { Updates: { AUM: { MessageKind: string } }[] };
    expect(doc.Updates.map((u) => u.AUM.MessageKind)).toEqual(['remove-key', 'remove-key']);
    expect((await keysOf(dir)).map((k) => k[0])).toEqual([A, C]);
  });

  it('remove asks on a terminal', async () => {
    const dir = adminDir();
    const before = dirSnapshot(dir);
    const no = await onTerminal(['remove', '--dir', dir, B], { waitFor: '[y/N]', answer: 'no\n' });
    expect(no.code).toBe(1);
    expect(dirSnapshot(dir)).toEqual(before);
    const yes = await onTerminal(['remove', '--dir', dir, B], { waitFor: '[y/N]', answer: 'y\n' });
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain(`Removed ${B}.`);
  });

  it('set-votes and set-meta change keys in one update each', async () => {
    const dir = adminDir();
    expect((await tlock(['set-votes', '--dir', dir, `${B}?7`, `${E}?2`])).code).toBe(0);
    const meta = await tlock(['set-meta', '--dir', dir, B, 'owner=bob@example.com', 'note=a=b']);
    expect(meta.code).toBe(0);
    expect(meta.stdout).toContain(`Set the metadata of ${B}.`);
    const keys = await keysOf(dir);
    expect(keys.find((k) => k[0] === B)).toEqual([B, 7, { owner: 'bob@example.com', note: 'a=b' }]);
    expect(keys.find((k) => k[0] === E)?.[1]).toBe(2);
  });

  it('a key file others can read is refused, as OpenSSH does, and the store is untouched', async () => {
    const dir = adminDir();
    const before = dirSnapshot(dir);
    chmodSync(join(dir, 'key'), 0o604);
    const r = await tlock(['add', '--dir', dir, D]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`chmod 600 ${join(dir, 'key')}`);
    expect(readFileSync(join(dir, 'key'), 'utf8')).toMatch(/^nlpriv:/);
    expect(dirSnapshot(dir)).toEqual(before);
  });

  it('a damaged store: every command that reads it exits 3 naming the file, and nothing changes', async () => {
    const dir = adminDir();
    const tka = join(dir, 'tka');
    const sub = readdirSync(tka).find((n) => n.length === 2)!;
    const file = readdirSync(join(tka, sub))[0]!;
    writeFileSync(join(tka, sub, file), 'not an AUM');
    const before = dirSnapshot(dir);
    for (const args of [
      ['add', D],
      ['remove', '--yes', B],
      ['set-votes', `${B}?2`],
      ['set-meta', B, 'a=b'],
      ['log'],
      ['log', '--graph'],
      ['sign', 'nodekey', `nodekey:${'11'.repeat(32)}`],
      ['verify', 'netmap', join(FIXTURES, 'netmaps', 'mixed.json')],
      ['init', '--confirm'],
    ]) {
      const r = await tlock([...args, '--dir', dir]);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr, args.join(' ')).toContain(file);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(dirSnapshot(dir)).toEqual(before);
  });

  it('changes need an authority: status 2 naming tlock init', async () => {
    const dir = adminDir();
    rmSync(join(dir, 'tka'), { recursive: true });
    const r = await tlock(['add', '--dir', dir, D]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('run "tlock init" first');
  });
});
