import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authority, FileStore, type SigningKey, generateSigningKey, signNodeKey } from '../../src/index.js';
import { b64, newNodeKey, nodeKeyText, signedBytes } from '../nks-fixtures.js';
import { HookProcess } from './hook-process.js';

// `tlock hook` end to end: spawned, fed lines, answers read, store changed underneath, killed.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tlock-hook-'));
  dirs.push(d);
  return d;
}

async function withAuthority(dir: string): Promise<{ admin: SigningKey; other: SigningKey }> {
  const admin = generateSigningKey();
  const other = generateSigningKey();
  await Authority.create(
    await FileStore.open(join(dir, 'tka')),
    {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32).fill(3)],
      keys: [
        { kind: 1, votes: 2, public: admin.publicKey },
        { kind: 1, votes: 1, public: other.publicKey },
      ],
    },
    admin,
  );
  return { admin, other };
}

function peerOf(id: number, signer: SigningKey | undefined, forged = false): Record<string, unknown> {
  const key = newNodeKey();
  const p: Record<string, unknown> = { ID: id, Name: `n${id}`, Key: nodeKeyText(key), Extra: { kept: id } };
  if (signer !== undefined) {
    const sig = forged
      ? signedBytes(generateSigningKey(), {
          sigKind: 1,
          pubkey: new Uint8Array([0x6e, 0x70, ...key]),
          keyID: signer.publicKey,
        })
      : signNodeKey(signer, key);
    p['KeySignature'] = b64(sig);
  }
  return p;
}

describe('tlock hook', () => {
  it('passes map responses through, marked enabled: false, when there is no authority', async () => {
    const hook = new HookProcess(['--dir', stateDir(), '--workers', '0']);
    const answer = await hook.askJSON({ Peers: [{ ID: 1 }], Other: 'x' });
    expect(answer).toEqual({
      netmap: { Peers: [{ ID: 1 }], Other: 'x' },
      dropped: [],
      selfLockedOut: null,
      enabled: false,
    });
    expect(await hook.end()).toBe(0);
  });

  it('drops unsigned and forged peers, keeps unknown fields, survives bad lines, and follows the store', async () => {
    const dir = stateDir();
    const { admin, other } = await withAuthority(dir);
    const hook = new HookProcess(['--dir', dir, '--workers', '1']);
    const good = peerOf(1, admin);
    const byOther = peerOf(2, other);
    const unsigned = peerOf(3, undefined);
    const forged = peerOf(4, admin, true);
    const netmap = { Peers: [good, byOther, unsigned, forged], TKAInfo: { Head: 'x' }, Unknown: [1, 2] };

    const first = await hook.askJSON(netmap);
    expect(first['enabled']).toBe(true);
    expect(first['head']).toMatch(/^[A-Z2-7]{52}$/);
    expect(first['netmap']).toEqual({ ...netmap, Peers: [good, byOther] });
    expect((first['dropped'] as { id: number; reason: string }[]).map((d) => [d.id, d.reason])).toEqual([
      [3, 'MISSING_SIGNATURE'],
      [4, 'BAD_SIGNATURE'],
    ]);

    // Bad lines get error lines, and the hook goes on.
    expect(await hook.askJSON('{"Peers": [')).toMatchObject({ error: { code: 'DECODE' } });
    expect(await hook.askJSON('42')).toMatchObject({ error: { code: 'DECODE' } });
    expect(await hook.askJSON('{"Peers": 7}')).toMatchObject({ error: { code: 'DECODE' } });

    // Another process removes `other`: the hook re-reads the store and drops what it signed.
    const store = await FileStore.open(join(dir, 'tka'));
    const authority = await Authority.open(store);
    await authority.inform(
      store,
      await authority.newUpdater(admin).removeKey(other.publicKey).finalize(store),
    );
    const after = await hook.askJSON(netmap);
    expect(after['head']).toBe(authority.head);
    expect((after['dropped'] as { id: number; reason: string }[]).map((d) => [d.id, d.reason])).toEqual([
      [2, 'UNTRUSTED_KEY'],
      [3, 'MISSING_SIGNATURE'],
      [4, 'BAD_SIGNATURE'],
    ]);
    expect(hook.stderr.join('')).toContain(authority.head);
    expect(await hook.end()).toBe(0);
  });

  it('reports its own node locked out without removing it', async () => {
    const dir = stateDir();
    const { admin } = await withAuthority(dir);
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    const self = peerOf(9, undefined);
    const answer = await hook.askJSON({ Node: self, Peers: [peerOf(1, admin)] });
    expect((answer['netmap'] as Record<string, unknown>)['Node']).toEqual(self);
    expect(answer['selfLockedOut']).toContain(`tlock sign nodekey ${self['Key'] as string}`);
    expect(await hook.end()).toBe(0);
  });

  it('answers with error lines, never an unchecked netmap, while the store is corrupt', async () => {
    const dir = stateDir();
    await withAuthority(dir);
    const prefix = readdirSync(join(dir, 'tka')).find((n) => n.length === 2)!;
    const file = readdirSync(join(dir, 'tka', prefix))[0]!;
    writeFileSync(join(dir, 'tka', prefix, file), 'garbage');
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    const answer = await hook.askJSON({ Peers: [peerOf(1, undefined)] });
    expect(answer).toMatchObject({ error: { code: 'STORAGE' } });
    expect(answer['netmap']).toBeUndefined();
    expect(hook.stderr.join('')).toContain(file);
    expect(await hook.end()).toBe(0);
  });

  it('checks a large map response on its worker threads with the same verdicts', async () => {
    const dir = stateDir();
    const { admin } = await withAuthority(dir);
    const peers = Array.from({ length: 400 }, (_, i) =>
      peerOf(i, i % 4 === 0 ? undefined : admin, i % 4 === 1),
    );
    const single = new HookProcess(['--dir', dir, '--workers', '0']);
    const pooled = new HookProcess(['--dir', dir, '--workers', '2']);
    const a = await single.askJSON({ Peers: peers });
    const b = await pooled.askJSON({ Peers: peers });
    expect(b).toEqual(a);
    expect((a['dropped'] as unknown[]).length).toBe(200);
    expect(await single.end()).toBe(0);
    expect(await pooled.end()).toBe(0);
  });

  it('gives the same verdicts whatever pairs its early scan of the bytes guesses', async () => {
    const dir = stateDir();
    const { admin } = await withAuthority(dir);
    const peers = Array.from({ length: 300 }, (_, i) => peerOf(i, admin));
    // KeySignature before Key: the scan, which looks for a Key before each signature, pairs each
    // signature with the previous peer's key.
    const reordered = peers.map(({ KeySignature, ...rest }) => ({ KeySignature, ...rest }));
    // Each peer with the next one's signature: the scan's pairs are right for nobody.
    const shifted = peers.map((p, i) => ({
      ...p,
      KeySignature: peers[(i + 1) % peers.length]!['KeySignature'],
    }));
    const single = new HookProcess(['--dir', dir, '--workers', '0']);
    const pooled = new HookProcess(['--dir', dir, '--workers', '2']);
    for (const netmap of [{ Peers: reordered }, { Peers: shifted }, { Peers: peers }]) {
      expect(await pooled.askJSON(netmap)).toEqual(await single.askJSON(netmap));
    }
    const answer = await pooled.askJSON({ Peers: shifted });
    expect((answer['dropped'] as { reason: string }[]).map((d) => d.reason)).toEqual(
      Array(300).fill('WRONG_NODE_KEY'),
    );
    expect(await single.end()).toBe(0);
    expect(await pooled.end()).toBe(0);
  });

  it('can be killed mid-stream', async () => {
    const dir = stateDir();
    const { admin } = await withAuthority(dir);
    const hook = new HookProcess(['--dir', dir]);
    await hook.askJSON({ Peers: [peerOf(1, admin)] });
    hook.child.kill('SIGKILL');
    expect(await hook.exited).toBeNull();
  });

  it('refuses a bad --workers with exit status 2', async () => {
    const hook = new HookProcess(['--dir', stateDir(), '--workers', '-1']);
    expect(await hook.exited).toBe(2);
    expect(hook.stderr.join('')).toContain('--workers');
  });
});
