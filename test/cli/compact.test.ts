import { afterAll, describe, expect, it } from 'vitest';
import { aumHash } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { dirSnapshot, makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { stateDirWithChain } from './chain-dir.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

const DAY = 24 * 60 * 60 * 1000;

describe('tlock compact', () => {
  it('purges what an old chain no longer needs, says which, and keeps the head and keys', async () => {
    const dir = makeTempDir('tlock-cli-');
    const { head, chain } = await stateDirWithChain(dir, 80, 30 * DAY);
    const statusBefore = jsonOf(await tlock(['status', '--json', '--dir', dir]));
    const hashes = chain.map((a) => hashToBase32(aumHash(a)));
    // The newest checkpoint at least 24 AUMs back from the head becomes the oldest ancestor.
    const checkpoint = chain.findLastIndex((a, i) => a.messageKind === 5 && i <= chain.length - 25);
    expect(checkpoint).toBeGreaterThan(0);

    const r = await tlock(['compact', '--json', '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const doc = jsonOf(r) as { Removed: { Hash: string; Kind: string }[]; [k: string]: unknown };
    expect(doc.Removed.map((x) => x.Hash)).toEqual(hashes.slice(0, checkpoint).sort());
    expect(doc.Removed[0]!.Kind).toMatch(/^(checkpoint|update-key)$/);
    expect(doc).toMatchObject({
      Kept: chain.length - checkpoint,
      OldestAncestor: hashes[checkpoint],
      PreviousOldestAncestor: hashes[0],
      Head: head,
    });
    expect(jsonOf(await tlock(['status', '--json', '--dir', dir]))).toEqual(statusBefore);
    const exported = jsonOf(await tlock(['export', '--dir', dir])) as { Messages: { Hash: string }[] };
    expect(exported.Messages.at(-1)!.Hash).toBe(hashes[checkpoint]);

    const again = await tlock(['compact', '--dir', dir]);
    expect(again.stdout).toBe(
      `Nothing to purge: all ${chain.length - checkpoint} stored AUMs are still needed.\n` +
        `Oldest ancestor: ${hashes[checkpoint]}\nHead: ${head}\n`,
    );
  });

  it('keeps every AUM younger than 14 days', async () => {
    const dir = makeTempDir('tlock-cli-');
    const { chain } = await stateDirWithChain(dir, 80);
    const before = dirSnapshot(dir);
    const r = await tlock(['compact', '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Nothing to purge: all ${chain.length} stored AUMs are still needed.`);
    expect(dirSnapshot(dir)).toEqual(before);
  });

  it('lists purged AUMs in text, one per line with its kind', async () => {
    const dir = makeTempDir('tlock-cli-');
    await stateDirWithChain(dir, 80, 30 * DAY);
    const r = await tlock(['compact', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Purged \d+ AUMs:\n(\t[A-Z2-7]{52}\t(checkpoint|update-key)\n)+Kept \d+\.\nOldest ancestor: [A-Z2-7]{52} \(was [A-Z2-7]{52}\)\nHead: /,
    );
  });

  it('without an authority: status 2', async () => {
    const r = await tlock(['compact', '--dir', makeTempDir('tlock-cli-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tlock init');
  });
});
