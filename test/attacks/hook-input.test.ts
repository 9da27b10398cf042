import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { FileStore } from '../../src/store/file-store.js';
import { PeriodicNote } from '../../cli/commands/hook.js';
import { CLI, HookProcess } from '../cli/hook-process.js';
import { tlock } from '../cli/tlock-process.js';
import { b64, newNodeKey, nodeKeyText } from '../nks-fixtures.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dirs.js';

// Attack 7: kill or silence the hook with odd input. Every line gets one answer (a client blocks
// on reading one per line it sent), no line ends the hook, and a reader that goes away ends it
// quietly.

afterAll(removeTempDirs);

async function withAuthority(): Promise<string> {
  const dir = join(makeTempDir('tlock-hook-input-'), 'state');
  mkdirSync(dir, { mode: 0o700 });
  const admin = generateSigningKey();
  await Authority.create(
    await FileStore.open(join(dir, 'tka')),
    {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32)],
      keys: [{ kind: 1, votes: 1, public: admin.publicKey }],
    },
    admin,
  );
  return dir;
}

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const peer = { ID: 1, Key: nodeKeyText(newNodeKey()) };

describe('attack: input that used to kill or silence the hook', () => {
  it('a line nested thousands of levels deep gets an error line, and the hook goes on', async () => {
    for (const dir of [await withAuthority(), join(makeTempDir('tlock-hook-input-'), 'none')]) {
      const hook = new HookProcess(['--dir', dir, '--workers', '0']);
      expect(await hook.askJSON(`{"Peers": [], "Deep": ${nested(20_000)}}`)).toMatchObject({
        error: { code: 'LIMIT' },
      });
      expect(await hook.askJSON(nested(20_000))).toMatchObject({ error: { code: 'DECODE' } });
      // The legitimate twin: the same response, nested as map responses are.
      expect(await hook.askJSON({ Peers: [], Deep: [[[1]]] })).toHaveProperty('netmap');
      expect(await hook.end()).toBe(0);
      expect(hook.stderr.join('')).not.toMatch(/at .*\.js:\d+/); // no stack trace
    }
  });

  it('a response whose answer cannot be written changes nothing the verifier remembers', async () => {
    const dir = join(makeTempDir('tlock-hook-input-'), 'state');
    mkdirSync(dir, { mode: 0o700 });
    const [admin, doomed] = [generateSigningKey(), generateSigningKey()];
    const store = await FileStore.open(join(dir, 'tka'));
    const { authority } = await Authority.create(
      store,
      {
        lastAUMHash: null,
        disablementValues: [new Uint8Array(32)],
        keys: [
          { kind: 1, votes: 1, public: admin.publicKey },
          { kind: 1, votes: 1, public: doomed.publicKey },
        ],
      },
      admin,
    );
    const signed = (id: number, by: typeof admin): Record<string, unknown> => {
      const k = newNodeKey();
      return { ID: id, Key: nodeKeyText(k), KeySignature: b64(signNodeKey(by, k)) };
    };
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    expect(await hook.askJSON({ Peers: [signed(1, doomed), signed(2, admin)] })).toMatchObject({
      dropped: [],
    });
    // The daemon never gets this full list (only an error), so it still holds node 1...
    expect(
      await hook.askJSON(`{"Peers": [${JSON.stringify(signed(2, admin))}], "Deep": ${nested(20_000)}}`),
    ).toMatchObject({ error: { code: 'LIMIT' } });
    // ...which goes when its signer is revoked.
    await authority.inform(
      store,
      await authority.newUpdater(admin).removeKey(doomed.publicKey).finalize(store),
    );
    expect(await hook.askJSON({ PeersChangedPatch: [{ NodeID: 2, Online: true }] })).toMatchObject({
      netmap: { PeersRemoved: [1] },
    });
    expect(await hook.end()).toBe(0);
  });

  it('a line past --max-line-bytes is skipped to its end and answered with an error; the next one is read', async () => {
    const hook = new HookProcess([
      '--dir',
      await withAuthority(),
      '--workers',
      '0',
      '--max-line-bytes',
      '2000',
    ]);
    const long = JSON.stringify({ Peers: [peer], Padding: 'x'.repeat(100_000) });
    expect(await hook.askJSON(long)).toMatchObject({
      error: { code: 'LIMIT', message: expect.stringMatching(/longer than 2000 bytes/) },
    });
    expect(await hook.askJSON({ Peers: [peer] })).toMatchObject({ enabled: true });
    expect(await hook.end()).toBe(0);
  });

  it('empty and blank lines get an answer each, in order', async () => {
    const hook = new HookProcess(['--dir', await withAuthority(), '--workers', '0']);
    expect(await hook.askJSON('')).toMatchObject({
      error: { code: 'DECODE', message: expect.stringMatching(/empty line/) },
    });
    expect(await hook.askJSON('   \t')).toMatchObject({ error: { code: 'DECODE' } });
    expect(await hook.askJSON('{"Peers": []}\r')).toMatchObject({ enabled: true });
    expect(await hook.end()).toBe(0);
  });

  it('a reader that goes away (| head -1) ends the hook quietly, with status 0', async () => {
    const child = spawn(process.execPath, [CLI, 'hook', '--dir', await withAuthority(), '--workers', '0']);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const first = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdin.on('error', () => undefined);
    child.stdin.write('{"Peers": []}\n');
    await first;
    child.stdout.destroy();
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      child.stdin.write(`{"Peers": []}\n`);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error|at .*\.js:\d+/);
  });

  it('--dir without a value is a usage error, not the default directory', async () => {
    for (const args of [
      ['hook', '--dir'],
      ['hook', '--dir='],
      ['hook', '--dir', '--workers', '0'],
    ]) {
      const r = await tlock(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--dir/);
    }
  });

  it('without an authority it warns at start, and again at most once a minute while peers pass unchecked', async () => {
    const hook = new HookProcess(['--dir', join(makeTempDir('tlock-hook-input-'), 'none'), '--workers', '0']);
    for (let i = 0; i < 3; i++)
      expect(await hook.askJSON({ Peers: [peer] })).toMatchObject({ enabled: false });
    expect(await hook.end()).toBe(0);
    expect(hook.stderr.join('').match(/pass(es)? through unchecked|pass unchecked/g)).toHaveLength(1);

    let now = 0;
    const note = new PeriodicNote(60_000, () => now);
    expect(note.due()).toBe(true);
    now = 59_999;
    expect(note.due()).toBe(false);
    now = 60_000;
    expect(note.due()).toBe(true);
    expect(note.due()).toBe(false);
  });
});
