import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTailnetStores, type TailnetStore, signNodeKey } from '../../src/index.js';
import { toHex } from '../../src/wire/bytes.js';
import { keyOf } from '../authority/helpers.js';
import { cleanup, tempDir } from './fixtures.js';

let root: string;

beforeEach(() => {
  root = tempDir('tailnet-store');
});
afterEach(() => cleanup(root));

async function open(create = true): Promise<TailnetStore | undefined> {
  return new FileTailnetStores(root).open('default', { create });
}

const nodeKey = new Uint8Array(32).fill(3);

describe('FileTailnetStores', () => {
  it('leaves no trace for a tailnet that is only asked about', async () => {
    expect(await open(false)).toBeUndefined();
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps the newest signature per node key and the settings, durably, in 0600 files', async () => {
    const store = (await open())!;
    const a = keyOf(1);
    const b = keyOf(2);
    const newer = signNodeKey(b, nodeKey);
    await store.exclusive(async (write) => {
      await write.putSignature({ nodeKey, signature: signNodeKey(a, nodeKey), keyID: a.publicKey });
      await write.putSignature({ nodeKey, signature: newer, keyID: b.publicKey });
      await write.saveSettings({ disabled: true, disablementSecret: new Uint8Array(32).fill(1) });
    });

    const again = (await new FileTailnetStores(root).open('default', { create: false }))!;
    expect((await again.signature(nodeKey))?.signature).toEqual(newer);
    expect(await again.signaturesByKey(a.publicKey)).toEqual([]);
    expect((await again.signaturesByKey(b.publicKey)).map((s) => s.keyID)).toEqual([b.publicKey]);
    expect(await again.settings()).toEqual({ disabled: true, disablementSecret: new Uint8Array(32).fill(1) });
    const sigFile = join(root, 'tailnets', 'default', 'signatures', toHex(nodeKey));
    expect(statSync(sigFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'tailnets', 'default', 'settings.json')).mode & 0o777).toBe(0o600);

    await again.exclusive((write) => write.reset());
    expect(await again.signature(nodeKey)).toBeUndefined();
    expect(await again.settings()).toEqual({ disabled: false });
    expect(await again.aums.heads()).toEqual([]);
  });

  it('refuses damaged files with STORAGE, naming them; ignores a crashed writer’s temp file', async () => {
    const dir = join(root, 'tailnets', 'default');
    mkdirSync(join(dir, 'signatures'), { recursive: true });
    writeFileSync(join(dir, 'signatures', `${toHex(nodeKey)}.tlock-tmp-00`), 'half');
    await expect(open()).resolves.toBeDefined();

    writeFileSync(join(dir, 'signatures', toHex(nodeKey)), 'not cbor');
    await expect(new FileTailnetStores(root).open('default', { create: false })).rejects.toMatchObject({
      code: 'STORAGE',
      message: expect.stringContaining(toHex(nodeKey)),
    });
    writeFileSync(join(dir, 'signatures', toHex(nodeKey)), signNodeKey(keyOf(1), nodeKey));
    writeFileSync(join(dir, 'signatures', 'stray'), 'x');
    await expect(new FileTailnetStores(root).open('default', { create: false })).rejects.toMatchObject({
      code: 'STORAGE',
      message: expect.stringContaining('stray'),
    });
    rmSync(join(dir, 'signatures', 'stray'));
    writeFileSync(join(dir, 'settings.json'), '{"disabled": "maybe"}');
    await expect(new FileTailnetStores(root).open('default', { create: false })).rejects.toMatchObject({
      code: 'STORAGE',
      message: expect.stringContaining('settings.json'),
    });
  });
});
