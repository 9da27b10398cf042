import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { type SigningKey, generateSigningKey } from '../../src/crypto/ed25519.js';
import { disablementKDF } from '../../src/crypto/kdf.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { FileStore } from '../../src/store/file-store.js';
import { toHex } from '../../src/wire/bytes.js';
import { HookProcess } from '../cli/hook-process.js';
import { onTerminal } from '../cli/terminal.js';
import { jsonOf, tlock } from '../cli/tlock-process.js';
import { b64, newNodeKey, nodeKeyText } from '../nks-fixtures.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dirs.js';

// Attack 5: get the hook to pass unchecked peers by damaging, hiding or removing its store, or by
// starting it where no authority is while the tailnet has a lock. Once a state directory has held
// an authority, only "tlock disable" with a valid disablement secret turns filtering off.

afterAll(removeTempDirs);

const SECRET = new Uint8Array(32).fill(0x5a);
const secretText = `disablement-secret:${toHex(SECRET).toUpperCase()}`;

async function stateDir(): Promise<{ dir: string; admin: SigningKey; head: string }> {
  const dir = join(makeTempDir('tlock-fail-closed-'), 'state');
  mkdirSync(dir, { mode: 0o700 });
  const admin = generateSigningKey();
  const { authority } = await Authority.create(
    await FileStore.open(join(dir, 'tka')),
    {
      lastAUMHash: null,
      disablementValues: [await disablementKDF(SECRET)],
      keys: [{ kind: 1, votes: 1, public: admin.publicKey }],
    },
    admin,
  );
  return { dir, admin, head: authority.head };
}

function signed(id: number, admin: SigningKey): Record<string, unknown> {
  const k = newNodeKey();
  return { ID: id, Key: nodeKeyText(k), KeySignature: b64(signNodeKey(admin, k)) };
}
const unsigned = (id: number): Record<string, unknown> => ({ ID: id, Key: nodeKeyText(newNodeKey()) });

/** Runs a hook once over `responses` and returns its answers. */
async function answers(
  dir: string,
  responses: unknown[],
  opts: { uid?: number } = {},
): Promise<{ lines: Record<string, unknown>[]; stderr: string }> {
  const hook = new HookProcess(['--dir', dir, '--workers', '0'], {}, opts);
  const lines: Record<string, unknown>[] = [];
  for (const r of responses) lines.push(await hook.askJSON(r));
  expect(await hook.end()).toBe(0);
  return { lines, stderr: hook.stderr.join('') };
}

const errorCode = (line: Record<string, unknown>): unknown =>
  (line['error'] as { code?: unknown } | undefined)?.code;

describe('attack: hide the store from a hook that has held an authority', () => {
  it('a store removed after the hook saw it: error lines, never a pass-through', async () => {
    const { dir, admin } = await stateDir();
    const first = await answers(dir, [{ Peers: [signed(1, admin), unsigned(2)] }]);
    expect(first.lines[0]!['enabled']).toBe(true);
    expect(existsSync(join(dir, 'lock-record.json'))).toBe(true);

    rmSync(join(dir, 'tka'), { recursive: true });
    const after = await answers(dir, [{ Peers: [unsigned(2)] }, { PeersChanged: [unsigned(3)] }]);
    for (const line of after.lines) {
      expect(errorCode(line)).toBe('STORAGE');
      expect(line['netmap']).toBeUndefined();
    }
    expect(after.lines[0]!['error']).toMatchObject({
      message: expect.stringMatching(/has held an authority.*tlock disable/s),
    });

    // The legitimate twin: a directory that never held one passes responses through, saying so.
    const fresh = join(makeTempDir('tlock-fail-closed-'), 'state');
    const twin = await answers(fresh, [{ Peers: [unsigned(2)] }]);
    expect(twin.lines[0]).toMatchObject({ enabled: false, netmap: { Peers: [{ ID: 2 }] } });
    expect(twin.stderr).toMatch(/no authority/);
  });

  it('every AUM file deleted, a file where the store was, or a store it may not read: error lines', async () => {
    const { dir, admin } = await stateDir();
    await answers(dir, [{ Peers: [signed(1, admin)] }]);
    const store = join(dir, 'tka');

    for (const entry of readdirSync(store))
      if (entry.length === 2) rmSync(join(store, entry), { recursive: true });
    expect((await answers(dir, [{ Peers: [unsigned(2)] }])).lines[0]!['error']).toMatchObject({
      code: 'STORAGE',
      message: expect.stringMatching(/holds no AUMs/),
    });

    rmSync(store, { recursive: true });
    writeFileSync(store, 'not a directory');
    expect(errorCode((await answers(dir, [{ Peers: [unsigned(2)] }])).lines[0]!)).toBe('STORAGE');

    // A store this user may not read (as root, the hook runs as nobody, which may not read it).
    const other = await stateDir();
    await answers(other.dir, [{ Peers: [signed(1, other.admin)] }]);
    const asRoot = process.getuid?.() === 0;
    chmodSync(join(other.dir, 'tka'), 0o000);
    if (asRoot) {
      chmodSync(join(other.dir, '..'), 0o711);
      chownSync(other.dir, 65534, 65534);
    }
    const denied = await answers(other.dir, [{ Peers: [unsigned(2)] }], asRoot ? { uid: 65534 } : {});
    expect(denied.lines[0]!['error']).toMatchObject({
      code: 'STORAGE',
      message: expect.stringMatching(/EACCES/),
    });
    chmodSync(join(other.dir, 'tka'), 0o700);
  });

  it('a damaged record counts as "held"', async () => {
    const { dir, admin } = await stateDir();
    await answers(dir, [{ Peers: [signed(1, admin)] }]);
    writeFileSync(join(dir, 'lock-record.json'), '{"state": "none"');
    rmSync(join(dir, 'tka'), { recursive: true });
    expect(errorCode((await answers(dir, [{ Peers: [unsigned(2)] }])).lines[0]!)).toBe('STORAGE');
  });
});

describe('attack: a node without an authority in a tailnet that has a lock', () => {
  it('answers error lines while the last TKAInfo names a head, and passes through once it says disabled', async () => {
    const dir = join(makeTempDir('tlock-fail-closed-'), 'state');
    const { lines } = await answers(dir, [
      { TKAInfo: { Head: 'AAAA' }, Peers: [unsigned(1)] },
      { PeersChanged: [unsigned(2)] }, // no TKAInfo: no change, to Go
      { tkainfo: { head: 'AAAA', disabled: true }, Peers: [unsigned(3)] },
    ]);
    expect(lines[0]!['error']).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/has Tailnet Lock/),
    });
    expect(errorCode(lines[1]!)).toBe('NOT_FOUND');
    expect(lines[2]).toMatchObject({ enabled: false, netmap: { Peers: [{ ID: 3 }] } });
  });

  it('peers let in before the authority came are removed by the first response after it', async () => {
    const dir = join(makeTempDir('tlock-fail-closed-'), 'state');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    expect(await hook.askJSON({ Peers: [unsigned(1), unsigned(2)] })).toMatchObject({ enabled: false });
    const admin = generateSigningKey();
    await Authority.create(
      await FileStore.open(join(dir, 'tka')),
      {
        lastAUMHash: null,
        disablementValues: [SECRET],
        keys: [{ kind: 1, votes: 1, public: admin.publicKey }],
      },
      admin,
    );
    const after = await hook.askJSON({ PeersChanged: [signed(3, admin)] });
    expect(after).toMatchObject({
      enabled: true,
      netmap: { PeersRemoved: [1, 2], PeersChanged: [{ ID: 3 }] },
    });
    expect(await hook.end()).toBe(0);
  });
});

describe('tlock disable: the only way to turn filtering off', () => {
  it('needs a valid secret; without a terminal it needs --yes; then the hook passes responses, saying so', async () => {
    const { dir, admin, head } = await stateDir();
    await answers(dir, [{ Peers: [signed(1, admin)] }]);

    const wrong = await tlock(['disable', '--yes', '--dir', dir, `disablement-secret:${'00'.repeat(32)}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/incorrect disablement secret; nothing was changed/);
    expect(existsSync(join(dir, 'tka'))).toBe(true);

    const noTty = await tlock(['disable', '--dir', dir, secretText]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--yes/);
    for (const bad of ['00'.repeat(32), `disablement:${'00'.repeat(32)}`, 'disablement-secret:00']) {
      expect((await tlock(['disable', '--yes', '--dir', dir, bad])).code).toBe(2);
    }
    expect(existsSync(join(dir, 'tka'))).toBe(true);

    const secretFile = join(makeTempDir('tlock-fail-closed-'), 'secret');
    writeFileSync(secretFile, secretText + '\n', { mode: 0o600 });
    const ok = await tlock(['disable', '--yes', '--json', '--dir', dir, `file:${secretFile}`]);
    expect(ok.code).toBe(0);
    expect(jsonOf(ok)).toMatchObject({ Disabled: true, Head: head, DisabledAt: expect.any(String) });
    expect(existsSync(join(dir, 'tka'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('tka'))).toEqual([]);
    const record = JSON.parse(readFileSync(join(dir, 'lock-record.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ state: 'disabled', head });

    const { lines, stderr } = await answers(dir, [{ Peers: [unsigned(2)] }]);
    expect(lines[0]).toMatchObject({ enabled: false, disabled: { head }, netmap: { Peers: [{ ID: 2 }] } });
    expect(stderr).toMatch(/disabled/);

    const again = await tlock(['disable', '--yes', '--dir', dir, secretText]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already disabled/);
  });

  it('asks on a terminal', async () => {
    const { dir } = await stateDir();
    const no = await onTerminal(['disable', '--dir', dir, secretText], { waitFor: '[y/N]', answer: 'n\n' });
    expect(no.code).toBe(1);
    expect(existsSync(join(dir, 'tka'))).toBe(true);
    const yes = await onTerminal(['disable', '--dir', dir, secretText], { waitFor: '[y/N]', answer: 'y\n' });
    expect(yes.code).toBe(0);
    expect(yes.screen).toMatch(/DISABLED/);
    expect(existsSync(join(dir, 'tka'))).toBe(false);
  });
});
