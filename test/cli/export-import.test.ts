import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signAUM } from '../../src/authority/aum-signing.js';
import { Authority } from '../../src/authority/authority.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { AUMKind, aumHash, decodeAUM } from '../../src/model/aum.js';
import { FileStore } from '../../src/store/file-store.js';
import { hashFromBase32, hashToBase32 } from '../../src/wire/base32.js';
import { logMessageJSON } from '../../cli/tslockjsonv1.js';
import { dirSnapshot, makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { stateDirWithAuthority } from './authority-fixture.js';
import { stateDirWithChain } from './chain-dir.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

interface LogDoc {
  SchemaVersion: string;
  Messages: { Hash: string; AUM: Record<string, unknown>; Raw: string }[];
}

const exportOf = async (dir: string): Promise<LogDoc> => {
  const r = await tlock(['export', '--dir', dir]);
  expect(r.code, r.stderr).toBe(0);
  return jsonOf(r) as LogDoc;
};

/** Imports `doc` (as text) from stdin into `dir`. */
const importText = (dir: string, text: string, extra: string[] = []) =>
  tlock(['import', '-', '--dir', dir, ...extra], { input: text });

describe('tlock export', () => {
  it('prints the chain from the genesis to the head, newest first, each Raw re-hashing to its Hash', async () => {
    const dir = makeTempDir('tlock-cli-');
    const { head, chain } = await stateDirWithChain(dir, 7);
    const doc = await exportOf(dir);
    expect(doc.SchemaVersion).toBe('1');
    expect(doc.Messages.map((m) => m.Hash)).toEqual(chain.map((a) => hashToBase32(aumHash(a))).reverse());
    expect(doc.Messages[0]!.Hash).toBe(head);
    for (const m of doc.Messages) {
      expect(hashToBase32(aumHash(decodeAUM(Buffer.from(m.Raw, 'base64url'))))).toBe(m.Hash);
    }
    expect(doc.Messages.at(-1)!.AUM).toMatchObject({ MessageKind: 'checkpoint' });
    expect(doc.Messages.at(-1)!.AUM['PrevAUMHash']).toBeUndefined();
    // --json changes nothing: the document is the answer either way.
    expect(jsonOf(await tlock(['export', '--dir', dir, '--json']))).toEqual(doc);
  });

  it('--out writes the file whole (no temp file left) and --json then prints a summary', async () => {
    const dir = makeTempDir('tlock-cli-');
    const { head } = await stateDirWithChain(dir, 3);
    const outDir = makeTempDir('tlock-cli-');
    const file = join(outDir, 'chain.json');
    writeFileSync(file, 'an older export');
    const r = await tlock(['export', '--dir', dir, '--out', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r)).toEqual({ File: file, Head: head, AUMs: 3 });
    expect(readdirSync(outDir)).toEqual(['chain.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(await exportOf(dir));
    const text = await tlock(['export', '--dir', dir, '--out', file]);
    expect(text.stdout).toBe(`Wrote 3 AUMs (head ${head}) to ${file}\n`);
  });

  it('--out into a missing directory: status 3, nothing written', async () => {
    const dir = makeTempDir('tlock-cli-');
    await stateDirWithAuthority(dir);
    const outDir = makeTempDir('tlock-cli-');
    const r = await tlock(['export', '--dir', dir, '--out', join(outDir, 'no', 'such.json')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^tlock: /);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('without an authority: status 2, saying to run init', async () => {
    const r = await tlock(['export', '--dir', makeTempDir('tlock-cli-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tlock init');
  });
});

describe('tlock import', () => {
  it('starts an authority in an empty directory from an export, from a file or stdin', async () => {
    const src = makeTempDir('tlock-cli-');
    const { head } = await stateDirWithChain(src, 5);
    const file = join(makeTempDir('tlock-cli-'), 'chain.json');
    expect((await tlock(['export', '--dir', src, '--out', file])).code).toBe(0);

    for (const arg of [file, `file:${file}`]) {
      const dst = makeTempDir('tlock-cli-');
      const r = await tlock(['import', arg, '--dir', dst]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`Started the authority from the document: 5 AUMs.\nHead: ${head}\n`);
      const status = jsonOf(await tlock(['status', '--json', '--dir', dst])) as Record<string, unknown>;
      const original = jsonOf(await tlock(['status', '--json', '--dir', src])) as Record<string, unknown>;
      expect(status['TrustedKeys']).toEqual(original['TrustedKeys']);
      expect(status['Head']).toBe(head);
    }
    const viaStdin = makeTempDir('tlock-cli-');
    const r = await importText(viaStdin, readFileSync(file, 'utf8'), ['--json']);
    expect(jsonOf(r)).toEqual({ Imported: 5, AlreadyStored: 0, Head: head });
  });

  it('adds only what is new to an existing authority; a second import changes nothing', async () => {
    const a = makeTempDir('tlock-cli-');
    const { self } = await stateDirWithChain(a, 3);
    const b = makeTempDir('tlock-cli-');
    cpSync(a, b, { recursive: true });
    // Admin A makes two more updates; B imports A's export.
    const store = await FileStore.open(join(a, 'tka'));
    const authority = await Authority.open(store);
    await authority.inform(
      store,
      await authority.newUpdater(self).setKeyVotes(self.publicKey, 7).finalize(store),
    );
    await authority.inform(
      store,
      await authority.newUpdater(self).setKeyMeta(self.publicKey, { n: 'a' }).finalize(store),
    );
    const doc = JSON.stringify(await exportOf(a));
    const previous = (jsonOf(await tlock(['status', '--json', '--dir', b])) as { Head: string }).Head;

    const r = await importText(b, doc, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r)).toEqual({
      Imported: 2,
      AlreadyStored: 3,
      PreviousHead: previous,
      Head: authority.head,
    });
    const again = await importText(b, doc);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`Nothing to import: all 5 AUMs are already stored.\nHead: ${authority.head}\n`);
  });

  it('reads a document that starts after the genesis (the newest messages of a log)', async () => {
    const a = makeTempDir('tlock-cli-');
    const { self } = await stateDirWithChain(a, 4);
    const b = makeTempDir('tlock-cli-');
    cpSync(a, b, { recursive: true });
    const store = await FileStore.open(join(a, 'tka'));
    const authority = await Authority.open(store);
    await authority.inform(
      store,
      await authority.newUpdater(self).setKeyVotes(self.publicKey, 9).finalize(store),
    );
    const doc = await exportOf(a);
    doc.Messages = doc.Messages.slice(0, 2); // the new AUM and its parent, as "log --limit 2" gives them
    const r = await importText(b, JSON.stringify(doc));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Imported 1 AUMs (1 were already stored).');
  });

  describe('refuses, leaving the store byte for byte as it was', () => {
    const setUp = async (): Promise<{ dir: string; doc: LogDoc; before: Record<string, string> }> => {
      const dir = makeTempDir('tlock-cli-');
      await stateDirWithChain(dir, 3);
      const doc = await exportOf(dir);
      return { dir, doc, before: dirSnapshot(dir) };
    };

    it('a forged AUM (signed by a key the authority does not trust): status 1', async () => {
      const { dir, doc, before } = await setUp();
      const forger = generateSigningKey();
      const forged = signAUM(
        {
          messageKind: AUMKind.AddKey,
          prevAUMHash: hashFromBase32(doc.Messages[0]!.Hash),
          key: { kind: 1, votes: 1, public: forger.publicKey },
        },
        forger,
      );
      const r = await importText(
        dir,
        JSON.stringify({ ...doc, Messages: [logMessageJSON(forged), ...doc.Messages] }),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('nothing was imported');
      expect(r.stderr).toContain(
        `AUM ${hashToBase32(aumHash(forged))} invalid: bad keyID on signature 0: key not found`,
      );
      expect(dirSnapshot(dir)).toEqual(before);
    });

    it('a forged AUM in a document for an empty directory: status 1, no store created', async () => {
      const { doc } = await setUp();
      const forger = generateSigningKey();
      const forged = signAUM(
        {
          messageKind: AUMKind.RemoveKey,
          prevAUMHash: hashFromBase32(doc.Messages[0]!.Hash),
          keyID: forger.publicKey,
        },
        forger,
      );
      const empty = makeTempDir('tlock-cli-');
      const r = await importText(
        empty,
        JSON.stringify({ ...doc, Messages: [logMessageJSON(forged), ...doc.Messages] }),
      );
      expect(r.code).toBe(1);
      expect(readdirSync(empty)).toEqual([]);
    });

    it('damaged documents: status 2 with what is wrong', async () => {
      const { dir, doc, before } = await setUp();
      const text = JSON.stringify(doc, null, 2);
      const raw = doc.Messages[1]!.Raw;
      const flipped = raw.slice(0, 20) + (raw[20] === 'A' ? 'B' : 'A') + raw.slice(21);
      const cases: [string, string][] = [
        [text.slice(0, text.length / 2), 'not a JSON document'],
        [
          JSON.stringify({
            ...doc,
            Messages: doc.Messages.map((m, i) => (i === 1 ? { ...m, Raw: flipped } : m)),
          }),
          'message 2 of 3',
        ],
        [
          JSON.stringify({
            ...doc,
            Messages: doc.Messages.map((m, i) => (i === 1 ? { ...m, Raw: raw.slice(0, 30) } : m)),
          }),
          'message 2 of 3',
        ],
        [
          JSON.stringify({
            ...doc,
            Messages: doc.Messages.map((m, i) => (i === 0 ? { ...m, AUM: { ...m.AUM, Votes: 4000 } } : m)),
          }),
          'does not match its Raw',
        ],
        [
          JSON.stringify({ ...doc, Messages: [doc.Messages[1], doc.Messages[0], doc.Messages[2]] }),
          'one chain, newest first',
        ],
        [JSON.stringify({ ...doc, SchemaVersion: '2' }), 'SchemaVersion "2" is not supported'],
        [JSON.stringify({ ...doc, Messages: [] }), 'holds no AUMs'],
        ['[1, 2, 3]', 'tslockjsonv1 log document'],
      ];
      for (const [input, message] of cases) {
        const r = await importText(dir, input);
        expect(r.code, message).toBe(2);
        expect(r.stderr, message).toContain(message);
        expect(r.stdout).toBe('');
      }
      expect(dirSnapshot(dir)).toEqual(before);
    });

    it("another authority's chain, and a document that does not start at a genesis in an empty directory: status 1", async () => {
      const { dir, before } = await setUp();
      const other = makeTempDir('tlock-cli-');
      await stateDirWithChain(other, 3);
      const otherDoc = await exportOf(other);
      const r = await importText(dir, JSON.stringify(otherDoc));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("another authority's chain");
      expect(dirSnapshot(dir)).toEqual(before);

      const empty = makeTempDir('tlock-cli-');
      const tail = await importText(
        empty,
        JSON.stringify({ ...otherDoc, Messages: otherDoc.Messages.slice(0, 2) }),
      );
      expect(tail.code).toBe(1);
      expect(tail.stderr).toContain('starts only from a genesis checkpoint');
      expect(existsSync(join(empty, 'tka'))).toBe(false);
    });

    it('a file that does not exist: status 2', async () => {
      const r = await tlock([
        'import',
        join(makeTempDir('tlock-cli-'), 'missing.json'),
        '--dir',
        makeTempDir('tlock-cli-'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('does not exist');
    });
  });

  it('keeps the store readable by tlock status after an import (mode 0700 directory)', async () => {
    const src = makeTempDir('tlock-cli-');
    await stateDirWithChain(src, 2);
    const dst = join(makeTempDir('tlock-cli-'), 'new-state');
    const r = await importText(dst, JSON.stringify(await exportOf(src)));
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(dst).mode & 0o777).toBe(0o700);
  });
});
