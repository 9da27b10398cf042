import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { peerDropped, syncRefused } from '../../demo/hostile-scenarios.js';
import { verdictTable } from '../../demo/verdict-table.js';

const DEMO = fileURLToPath(new URL('../../dist/demo/run.js', import.meta.url));

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The table's rows as [node, offered, verdict, reason], below its rule line. */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const rule = lines.findIndex((l) => /^-\s+-{4,}/.test(l));
  const out: string[][] = [];
  for (const line of lines.slice(rule + 1)) {
    if (line.trim() === '') break;
    out.push(line.slice(3).split(/\s{2,}/));
  }
  return out;
}

describe('npm run demo', () => {
  it(
    'runs the whole system on loopback and every node drops or refuses every attack (exit 0)',
    { timeout: 180_000 },
    async () => {
      const r = await runDemo();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Every verdict is the expected one \(15 checks/);
      const rows = tableRows(r.stdout);
      const verdicts = new Map(rows.map(([node, offered, verdict]) => [`${node} | ${offered}`, verdict]));
      for (const node of ['alice', 'bob']) {
        const of = (prefix: string): string | undefined =>
          [...verdicts].find(([k]) => k.startsWith(`${node} | ${prefix}`))?.[1];
        expect(of('honest map')).toBe('accepted');
        expect(of('unsigned peer')).toBe('dropped');
        expect(of('forged signature')).toBe('dropped');
        expect(of('forged rotation')).toBe('dropped');
        expect(of('re-keyed peer')).toBe('dropped');
        expect(of('AUM signed by an unknown key')).toBe('refused + dropped');
        expect(of('old head')).toBe('refused');
      }
      expect(verdicts.get('tlock serve | the forged AUM, via sync/send')).toBe('refused (422)');
      expect(rows).toHaveLength(15);
      // Each row's reason names the code that decided it.
      const reasons = rows.map((row) => row[3] ?? '').join('\n');
      for (const code of [
        'MISSING_SIGNATURE',
        'BAD_SIGNATURE',
        'SMALL_ORDER_WRAPPING_KEY',
        'WRONG_NODE_KEY',
        'UNTRUSTED_KEY',
        'ROLLBACK',
      ])
        expect(reasons).toContain(code);
    },
  );
});

describe('the demo’s judgements', () => {
  const key = 'nodekey:' + 'ab'.repeat(32);
  it('a peer that was passed on, or dropped for another reason, is not the expected verdict', () => {
    const passed = { netmap: { PeersChanged: [{ Key: key }] }, dropped: [] };
    expect(peerDropped(passed, key, 'MISSING_SIGNATURE')).toMatchObject({
      verdict: 'ACCEPTED',
      expected: false,
    });
    const other = { netmap: {}, dropped: [{ key, reason: 'BAD_SIGNATURE', detail: 'x' }] };
    expect(peerDropped(other, key, 'MISSING_SIGNATURE').expected).toBe(false);
    expect(peerDropped(other, key, 'BAD_SIGNATURE').expected).toBe(true);
    const error = { error: { code: 'STORAGE', message: 'gone' } };
    expect(peerDropped(error, key, 'BAD_SIGNATURE')).toMatchObject({ verdict: 'error', expected: false });
  });

  it('a sync that was followed, skipped, or refused with another code or a moved head is not expected', () => {
    expect(syncRefused({ head: 'H', sync: { ok: true } }, 'ROLLBACK', 'H').expected).toBe(false);
    expect(syncRefused({ head: 'H' }, 'ROLLBACK', 'H').expected).toBe(false);
    expect(syncRefused({ head: 'H', sync: { ok: false, code: 'NETWORK' } }, 'ROLLBACK', 'H').expected).toBe(
      false,
    );
    expect(syncRefused({ head: 'G', sync: { ok: false, code: 'ROLLBACK' } }, 'ROLLBACK', 'H').expected).toBe(
      false,
    );
    expect(syncRefused({ head: 'H', sync: { ok: false, code: 'ROLLBACK' } }, 'ROLLBACK', 'H').expected).toBe(
      true,
    );
  });

  it('the table marks an unexpected verdict', () => {
    const table = verdictTable([
      { node: 'alice', offered: 'x', verdict: 'dropped', reason: 'r', expected: true },
      { node: 'bob', offered: 'x', verdict: 'ACCEPTED', reason: 'r', expected: false },
    ]);
    expect(table.split('\n')[2]).toMatch(/^ {3}alice/);
    expect(table.split('\n')[3]).toMatch(/^✗ {2}bob/);
  });
});
