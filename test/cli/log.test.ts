import { afterAll, describe, expect, it } from 'vitest';
import { aumHash, decodeAUM } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { removeTempDirs } from '../support/temp-dirs.js';
import { adminDir, fixturePub } from './fixture-dirs.js';
import { onTerminal } from './terminal.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

interface LogDoc {
  SchemaVersion: string;
  Messages: { Hash: string; AUM: Record<string, unknown>; Raw: string }[];
}

describe('tlock log', () => {
  it('lists the chosen chain newest first, as tailscale lock log does', async () => {
    const dir = adminDir();
    const r = await tlock(['log', '--dir', dir]);
    expect(r.code).toBe(0);
    const headers = [...r.stdout.matchAll(/^update ([A-Z2-7]{52}) \(([a-z-]+)\)$/gm)].map((m) => m[2]);
    expect(headers).toEqual(['update-key', 'add-key', 'add-key', 'checkpoint']);
    expect(r.stdout).toContain(
      `update-key)\nKeyID: ${fixturePub('adminC')}\nVotes: 3\nSigned by: ${fixturePub('adminA')}\n\n`,
    );
    expect(r.stdout).toContain(`Type: 25519\nKeyID: ${fixturePub('adminE')}\nVotes: 1\n`);
    expect(r.stdout).toContain('Disablement values:\n - ');
    expect(r.stdout).toContain(
      `Keys:\n  Type: 25519\n  KeyID: ${fixturePub('adminA')}\n  Votes: 2\n  Metadata: map[owner:admin-a (TEST ONLY)]\n`,
    );
    expect(r.stdout).not.toContain('\x1b['); // no colour off a terminal
  });

  it('--json is the v1 log: newest first, at most --limit, every Raw re-hashing to its Hash', async () => {
    const dir = adminDir();
    const run = await tlock(['log', '--dir', dir, '--json']);
    expect(run.stdout).toContain('"StateID1": 1234567890123456789,\n'); // exact, not rounded to a double
    const doc = jsonOf(run) as LogDoc;
    expect(doc.SchemaVersion).toBe('1');
    expect(doc.Messages).toHaveLength(4);
    const status = jsonOf(await tlock(['status', '--dir', dir, '--json'])) as { Head: string };
    expect(doc.Messages[0]!.Hash).toBe(status.Head);
    for (const [i, m] of doc.Messages.entries()) {
      expect(hashToBase32(aumHash(decodeAUM(Buffer.from(m.Raw, 'base64url'))))).toBe(m.Hash);
      expect(m.Raw).toMatch(/^[A-Za-z0-9_-]+=*$/);
      expect(m.Raw.length % 4).toBe(0); // padded, as Go's URLEncoding
      const next = doc.Messages[i + 1];
      if (next !== undefined) expect(m.AUM['PrevAUMHash']).toBe(next.Hash);
    }
    const genesis = doc.Messages[3]!.AUM;
    expect(Object.keys(genesis)).toEqual(['MessageKind', 'State', 'Signatures']);
    expect(genesis['State']).toMatchObject({ StateID2: 42 });
    const limited = jsonOf(await tlock(['log', '--dir', dir, '--json', '--limit', '2'])) as LogDoc;
    expect(limited.Messages.map((m) => m.Hash)).toEqual(doc.Messages.slice(0, 2).map((m) => m.Hash));
    expect((await tlock(['log', '--dir', dir, '--limit', '0'])).code).toBe(2);
  });

  it('--graph draws every stored branch and says why the losing one lost', async () => {
    const dir = adminDir();
    const r = await tlock(['log', '--dir', dir, '--graph']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^6 stored AUMs, 1 losing branch; the chosen chain ends at the head [A-Z2-7]{52}\.$/,
    );
    expect(lines.slice(2).map((l) => l.replace(/[A-Z2-7]{12}/g, 'H'))).toEqual([
      '* H update-key (head)',
      '| * H update-key (not chosen)',
      '* | H add-key',
      "| * H add-key (not chosen)  lost to H: its signers have 1 vote, the chosen branch's 2",
      '|/',
      '* H add-key',
      '* H checkpoint',
    ]);
    const doc = jsonOf(await tlock(['log', '--dir', dir, '--graph', '--json'])) as {
      AUMs: { Hash: string; Parent?: string; Chosen: boolean; LostTo?: string; Why?: string }[];
    };
    expect(doc.AUMs).toHaveLength(6);
    expect(doc.AUMs.filter((a) => a.Chosen)).toHaveLength(4);
    const loser = doc.AUMs.find((a) => a.LostTo !== undefined)!;
    expect(loser.Why).toBe("its signers have 1 vote, the chosen branch's 2");
    expect(doc.AUMs.find((a) => a.Hash === loser.LostTo)?.Chosen).toBe(true);
  });

  it('colours the headers on a terminal, never with NO_COLOR', async () => {
    const dir = adminDir();
    expect((await onTerminal(['log', '--dir', dir, '--limit', '1'])).screen).toContain('\x1b[33mupdate ');
    expect(
      (await onTerminal(['log', '--dir', dir, '--limit', '1'], { env: { NO_COLOR: '1' } })).screen,
    ).not.toContain('\x1b[33m');
  });

  it('needs an authority (status 2)', async () => {
    const r = await tlock(['log', '--dir', '/nonexistent/tlock-test']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not enabled');
  });
});
