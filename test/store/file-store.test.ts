import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompactableStore } from '../../src/authority/store.js';
import { type AUM, AUMKind, aumHash, decodeAUM } from '../../src/model/aum.js';
import { encodeAumRecord } from '../../src/store/aum-record.js';
import { FileStore, LOCK_FILE } from '../../src/store/file-store.js';
import { hashFromBase32, hashToBase32 } from '../../src/wire/base32.js';
import { hex, loadVectors, toHexString } from '../support/vectors.js';
import { describeAumStoreConformance } from './conformance.js';
import { dirSnapshot, makeTempDir } from '../support/temp-dirs.js';
import { expectTlockError } from '../support/tlock-error.js';

interface RecordVectors {
  aums: Record<string, string>;
  hashes: Record<string, string>;
  records: { name: string; hex: string }[];
}
const vectors = loadVectors<RecordVectors>('aum-record-golden.json');
const recordHex = (name: string): string => vectors.records.find((r) => r.name === name)!.hex;
const A = decodeAUM(hex(vectors.aums['A']!));
const NOOP = decodeAUM(hex(vectors.aums['noop']!));
const A_NAME = vectors.hashes['A']!;
const NOOP_NAME = vectors.hashes['noop']!;
const NOOP_PARENT = vectors.hashes['noopParent']!;

const h = (aum: AUM): Uint8Array => aumHash(aum);
const nameOf = (aum: AUM): string => hashToBase32(aumHash(aum));
const names = (aums: AUM[]): string[] => aums.map(nameOf).sort();
const pathOf = (dir: string, name: string): string => join(dir, name.slice(0, 2), name);

const genesis: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: Uint8Array.of(1, 2) };
const middle: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: h(genesis) };
const leaf: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: h(middle), keyID: Uint8Array.of(9) };
const fork: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: h(middle), keyID: Uint8Array.of(3, 4) };
const stranger: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: h(leaf), keyID: Uint8Array.of(7, 7) };

/** A FileStore whose reads come from a fresh open of the directory: the contract, from disk. */
class ReopeningStore implements CompactableStore {
  constructor(
    private readonly dir: string,
    private readonly writer: FileStore,
  ) {}
  private async fresh(): Promise<FileStore> {
    return FileStore.open(this.dir);
  }
  async get(hash: Uint8Array) {
    return (await this.fresh()).get(hash);
  }
  async children(hash: Uint8Array) {
    return (await this.fresh()).children(hash);
  }
  async heads() {
    return (await this.fresh()).heads();
  }
  async lastActiveAncestor() {
    return (await this.fresh()).lastActiveAncestor();
  }
  async allAUMs() {
    return (await this.fresh()).allAUMs();
  }
  async commitTime(hash: Uint8Array) {
    return (await this.fresh()).commitTime(hash);
  }
  commit(aums: AUM[]) {
    return this.writer.commit(aums);
  }
  setLastActiveAncestor(hash: Uint8Array) {
    return this.writer.setLastActiveAncestor(hash);
  }
  purge(hashes: Uint8Array[]) {
    return this.writer.purge(hashes);
  }
}

describeAumStoreConformance('FileStore', () => FileStore.open(makeTempDir()));
describeAumStoreConformance('FileStore, reopened for every read', async () => {
  const dir = makeTempDir();
  return new ReopeningStore(dir, await FileStore.open(dir));
});

describe('FileStore persistence', () => {
  it('reopens to the same AUMs, children, heads, hint, live set and commit times', async () => {
    const dir = makeTempDir();
    const store = await FileStore.open(dir);
    await store.commit([genesis, middle, leaf]);
    await store.commit([fork, stranger]);
    await store.purge([h(stranger)]);
    await store.setLastActiveAncestor(h(genesis));
    const reopened = await FileStore.open(dir);
    for (const s of [store, reopened]) {
      expect(names(await s.heads())).toEqual(names([leaf, fork]));
      expect(names(await s.children(h(middle)))).toEqual(names([leaf, fork]));
      expect(await s.get(h(leaf))).toEqual(leaf);
      expect(await s.get(h(stranger))).toBeUndefined();
      expect(await s.lastActiveAncestor()).toEqual(h(genesis));
      expect((await s.allAUMs()).map(hashToBase32).sort()).toEqual(names([genesis, middle, leaf, fork]));
    }
    expect(await reopened.commitTime(h(leaf))).toBe(await store.commitTime(h(leaf)));
  });

  it('does not see another store’s writes until reload, and sees them after', async () => {
    const dir = makeTempDir();
    const first = await FileStore.open(dir);
    const second = await FileStore.open(dir);
    await first.commit([genesis]);
    await second.commit([middle]);
    expect(await first.get(h(middle))).toBeUndefined();
    await first.reload();
    expect(await first.get(h(middle))).toEqual(middle);
    expect(await first.heads()).toEqual([middle]);
  });

  it('writes from the files on disk, so a stale store never undoes another store’s purge wrongly', async () => {
    const dir = makeTempDir();
    const first = await FileStore.open(dir);
    const second = await FileStore.open(dir);
    await first.commit([genesis, middle]);
    await second.reload();
    await second.purge([h(middle)]);
    // `first` still believes middle is live; committing it must store it again on disk.
    await first.commit([middle]);
    expect(await (await FileStore.open(dir)).get(h(middle))).toEqual(middle);
  });

  it('serialises concurrent commits from two stores in one process', async () => {
    const dir = makeTempDir();
    const [s1, s2] = [await FileStore.open(dir), await FileStore.open(dir)];
    const chain = (tag: number): AUM[] => {
      const out: AUM[] = [{ messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: Uint8Array.of(tag) }];
      for (let i = 0; i < 15; i++) out.push({ messageKind: AUMKind.NoOp, prevAUMHash: h(out[i]!) });
      return out;
    };
    const [c1, c2] = [chain(1), chain(2)];
    await Promise.all([
      (async () => {
        for (const a of c1) await s1.commit([a]);
      })(),
      (async () => {
        for (const a of c2) await s2.commit([a]);
      })(),
    ]);
    const reopened = await FileStore.open(dir);
    expect((await reopened.allAUMs()).length).toBe(32);
    expect(names(await reopened.heads())).toEqual(names([c1[15]!, c2[15]!]));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('keeps a metadata key named __proto__ as data', async () => {
    const store = await FileStore.open(makeTempDir());
    const meta = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
    const aum: AUM = { messageKind: AUMKind.UpdateKey, prevAUMHash: null, keyID: Uint8Array.of(1), meta };
    await store.commit([aum]);
    const got = (await store.get(h(aum)))!;
    expect(Object.keys(got.meta!).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(got.meta)).toBe(Object.prototype);
    expect(h(got)).toEqual(h(aum));
  });
});

describe('FileStore layout (docs/FORMAT.md §8)', () => {
  it('writes Tailscale’s record bytes at <dir>/<2 chars>/<hash>, and nothing else', async () => {
    const dir = makeTempDir();
    const store = await FileStore.open(dir, { clock: () => 1_700_000_000_000 });
    await store.commit([NOOP]);
    // The hash text and prefix directory that tailscaled's own test expects for this AUM.
    expect(nameOf(NOOP)).toBe(NOOP_NAME);
    expect(readFileSync(pathOf(dir, NOOP_NAME)).toString('hex')).toBe(
      recordHex('NoOp AUM, created 1700000000'),
    );
    expect(Object.keys(dirSnapshot(dir)).sort()).toEqual(['PD/', `PD/${NOOP_NAME}`]);
    expect(statSync(join(dir, 'PD')).mode & 0o777).toBe(0o700);
  });

  it('stores the hint as exactly 32 raw bytes in last_active_ancestor', async () => {
    const dir = makeTempDir();
    const store = await FileStore.open(dir);
    await store.setLastActiveAncestor(h(A));
    expect(toHexString(readFileSync(join(dir, 'last_active_ancestor')))).toBe(toHexString(h(A)));
  });

  it('reads a directory laid out by tailscaled, legacy records included', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'UK'));
    mkdirSync(join(dir, 'PD'));
    mkdirSync(join(dir, 'M7'));
    mkdirSync(join(dir, 'pd'));
    writeFileSync(pathOf(dir, A_NAME), hex(recordHex('AUM A, created 1700000000')));
    // Before CreatedUnix existed: the commit time is the file's mtime.
    writeFileSync(pathOf(dir, NOOP_NAME), hex(`a201f602${vectors.aums['noop']!}`));
    utimesSync(pathOf(dir, NOOP_NAME), 1_600_000_000, 1_600_000_000);
    // Old tailscaled kept a placeholder record, without an AUM, for a parent it did not store.
    writeFileSync(pathOf(dir, NOOP_PARENT), hex(`a301815820${'ab'.repeat(32)}02f6031a6553f100`));
    writeFileSync(join(dir, 'last_active_ancestor'), h(A));
    // What tailscaled and operating systems leave about: ignored.
    writeFileSync(join(dir, 'PD', `${NOOP_NAME}.tmp123456789`), 'partial');
    writeFileSync(join(dir, '.DS_Store'), 'x');
    writeFileSync(join(dir, 'PD', '.DS_Store'), 'x');
    writeFileSync(join(dir, 'pd', NOOP_NAME.toLowerCase()), 'x');
    const before = dirSnapshot(dir);

    const store = await FileStore.open(dir);
    expect(names(await store.heads())).toEqual(names([A, NOOP]));
    expect(await store.get(hashFromBase32(NOOP_PARENT))).toBeUndefined();
    expect(await store.children(hashFromBase32(NOOP_PARENT))).toEqual([NOOP]);
    expect(await store.commitTime(h(A))).toBe(1_700_000_000_000);
    expect(await store.commitTime(h(NOOP))).toBe(1_600_000_000_000);
    expect(await store.lastActiveAncestor()).toEqual(h(A));
    expect(dirSnapshot(dir)).toEqual(before);
  });
});

describe('FileStore reads AUM files of every size', () => {
  it('opens a record larger than its 64 KiB read buffer, and a linked record', async () => {
    const dir = makeTempDir();
    const signatures = Array.from({ length: 1000 }, (_, i) => ({
      keyID: new Uint8Array(32).fill(i & 0xff),
      signature: new Uint8Array(64).fill(7),
    }));
    const big: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: h(genesis), signatures };
    await (await FileStore.open(dir)).commit([genesis, big]);
    expect(statSync(pathOf(dir, nameOf(big))).size).toBeGreaterThan(64 * 1024);
    // A link is read through (the listing cannot say it is a regular file; fstat does).
    const target = join(makeTempDir(), 'genesis');
    renameSync(pathOf(dir, nameOf(genesis)), target);
    symlinkSync(target, pathOf(dir, nameOf(genesis)));
    const reopened = await FileStore.open(dir);
    expect(await reopened.get(h(big))).toEqual(big);
    expect(await reopened.get(h(genesis))).toEqual(genesis);
    expect(names(await reopened.heads())).toEqual(names([big]));
  });
});

describe('FileStore refuses corrupt files, naming them and touching nothing', () => {
  async function storeWithChain(): Promise<string> {
    const dir = makeTempDir();
    await (await FileStore.open(dir)).commit([genesis, middle, leaf]);
    return dir;
  }
  const leafRecord = (dir: string): Buffer => readFileSync(pathOf(dir, nameOf(leaf)));
  const cases: [string, (dir: string) => string][] = [
    [
      'bytes that are not CBOR',
      (dir) => {
        const path = pathOf(dir, nameOf(stranger));
        mkdirSync(join(dir, nameOf(stranger).slice(0, 2)), { recursive: true });
        writeFileSync(path, Buffer.from('ff00ff', 'hex'));
        return path;
      },
    ],
    [
      'an empty file',
      (dir) => {
        const path = pathOf(dir, nameOf(leaf));
        writeFileSync(path, '');
        return path;
      },
    ],
    [
      'a truncated record',
      (dir) => {
        const path = pathOf(dir, nameOf(leaf));
        writeFileSync(path, leafRecord(dir).subarray(0, -1));
        return path;
      },
    ],
    [
      'a record whose AUM does not hash to the file name',
      (dir) => {
        const path = pathOf(dir, nameOf(stranger));
        mkdirSync(join(dir, nameOf(stranger).slice(0, 2)), { recursive: true });
        writeFileSync(path, leafRecord(dir));
        return path;
      },
    ],
    [
      'a record in the wrong prefix directory',
      (dir) => {
        const wrong = nameOf(leaf).startsWith('ZZ') ? 'YY' : 'ZZ';
        mkdirSync(join(dir, wrong));
        const path = join(dir, wrong, nameOf(leaf));
        renameSync(pathOf(dir, nameOf(leaf)), path);
        return path;
      },
    ],
    [
      'a record outside any prefix directory',
      (dir) => {
        const path = join(dir, nameOf(leaf));
        renameSync(pathOf(dir, nameOf(leaf)), path);
        return path;
      },
    ],
    [
      'a record followed by 64 KiB of other bytes (more than the read buffer holds)',
      (dir) => {
        const path = pathOf(dir, nameOf(leaf));
        writeFileSync(path, Buffer.concat([leafRecord(dir), Buffer.alloc(64 * 1024, 0x41)]));
        return path;
      },
    ],
    [
      'a link to a device that never ends',
      (dir) => {
        const path = pathOf(dir, nameOf(stranger));
        mkdirSync(join(dir, nameOf(stranger).slice(0, 2)), { recursive: true });
        symlinkSync('/dev/zero', path);
        return path;
      },
    ],
    [
      'a directory with a hash name',
      (dir) => {
        const path = pathOf(dir, nameOf(stranger));
        mkdirSync(path, { recursive: true });
        return path;
      },
    ],
    [
      'a hash-shaped name that is not the canonical text of any hash',
      (dir) => {
        mkdirSync(join(dir, 'AA'), { recursive: true });
        const path = join(dir, 'AA', `${'A'.repeat(51)}B`);
        writeFileSync(
          path,
          Buffer.from(encodeAumRecord({ aum: undefined, createdUnix: 1n, purgedUnix: 0n })),
        );
        return path;
      },
    ],
  ];

  for (const [what, corrupt] of cases) {
    it(`${what}: open and reload fail with STORAGE naming the path`, async () => {
      const dir = await storeWithChain();
      const open = await FileStore.open(dir);
      const path = corrupt(dir);
      const before = dirSnapshot(dir);

      const error = await expectTlockError(FileStore.open(dir), 'STORAGE');
      expect(error.message).toContain(path);
      const reloadError = await expectTlockError(open.reload(), 'STORAGE');
      expect(reloadError.message).toContain(path);

      expect(dirSnapshot(dir)).toEqual(before);
      // The store that was open keeps serving what it had read before.
      expect(await open.heads()).toEqual([leaf]);
    });
  }

  it('refuses to commit over a corrupt file, leaving it as it is', async () => {
    const dir = await storeWithChain();
    const store = await FileStore.open(dir);
    const path = cases[0]![1](dir);
    const before = dirSnapshot(dir);
    const error = await expectTlockError(store.commit([stranger]), 'STORAGE');
    expect(error.message).toContain(path);
    expect(dirSnapshot(dir)).toEqual(before);
    expect(await store.get(h(stranger))).toBeUndefined();
    expect(await store.heads()).toEqual([leaf]);
  });
});

describe('FileStore temp files', () => {
  it('ignores temp files, and removes its own leftovers at the next write', async () => {
    const dir = makeTempDir();
    const first = await FileStore.open(dir);
    await first.commit([genesis, middle]);
    const prefix = join(dir, nameOf(middle).slice(0, 2));
    const ours = join(prefix, `${nameOf(middle)}.tlock-tmp-00112233aabbccdd`);
    const oursTop = join(dir, 'last_active_ancestor.tlock-tmp-00112233aabbccdd');
    const theirs = join(prefix, `${nameOf(middle)}.tmp987654321`);
    writeFileSync(ours, Buffer.from('a202', 'hex')); // a crash mid-write: half a record
    writeFileSync(oursTop, Buffer.from('0102', 'hex'));
    writeFileSync(theirs, 'partial');

    const store = await FileStore.open(dir);
    expect(await store.heads()).toEqual([middle]);
    expect(await store.lastActiveAncestor()).toBeUndefined();
    await store.commit([leaf]);
    expect(existsSync(ours)).toBe(false);
    expect(existsSync(oursTop)).toBe(false);
    expect(readFileSync(theirs, 'utf8')).toBe('partial');
    expect(await (await FileStore.open(dir)).heads()).toEqual([leaf]);
  });
});

describe('FileStore last_active_ancestor', () => {
  for (const length of [0, 31, 33]) {
    it(`refuses a hint file of ${length} bytes with STORAGE, and a new hint repairs it`, async () => {
      const dir = makeTempDir();
      await (await FileStore.open(dir)).commit([genesis]);
      const path = join(dir, 'last_active_ancestor');
      writeFileSync(path, new Uint8Array(length).fill(1));
      const store = await FileStore.open(dir);
      const error = await expectTlockError(store.lastActiveAncestor(), 'STORAGE');
      expect(error.message).toContain(path);
      expect(readFileSync(path).length).toBe(length);
      expect(await store.heads()).toEqual([genesis]);

      await store.setLastActiveAncestor(h(genesis));
      expect(await store.lastActiveAncestor()).toEqual(h(genesis));
      expect(await (await FileStore.open(dir)).lastActiveAncestor()).toEqual(h(genesis));
    });
  }
});

describe('FileStore.open', () => {
  it('creates a missing directory (and its parents) with mode 0700', async () => {
    const dir = join(makeTempDir(), 'a', 'b');
    const store = await FileStore.open(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700);
    expect(await store.heads()).toEqual([]);
  });

  it('leaves an existing directory’s mode alone', async () => {
    const dir = makeTempDir();
    const sub = join(dir, 'store');
    mkdirSync(sub, { mode: 0o755 });
    await (await FileStore.open(sub)).commit([genesis]);
    expect(statSync(sub).mode & 0o777).toBe(0o755);
  });

  it('refuses a path that is a file with STORAGE, leaving the file alone', async () => {
    const file = join(makeTempDir(), 'file');
    writeFileSync(file, 'keep me');
    const error = await expectTlockError(FileStore.open(file), 'STORAGE');
    expect(error.message).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('refuses a bad directory argument or options with INVALID_ARGUMENT', async () => {
    for (const bad of ['', 42, null]) {
      await expectTlockError(FileStore.open(bad as string), 'INVALID_ARGUMENT');
    }
    const dir = makeTempDir();
    const badOptions = [{ clock: 5 }, { lockWaitMs: -1 }, { lockWaitMs: Number.NaN }];
    for (const options of badOptions) {
      await expectTlockError(FileStore.open(dir, options as object), 'INVALID_ARGUMENT');
    }
  });
});

describe('FileStore purge and commit times (docs/FORMAT.md §8)', () => {
  it('purges logically, and a re-commit resurrects the AUM with its first commit time', async () => {
    const dir = makeTempDir();
    let now = 1_700_000_000_000;
    const store = await FileStore.open(dir, { clock: () => now });
    const path = pathOf(dir, A_NAME);
    await store.commit([A]);
    expect(await store.commitTime(h(A))).toBe(1_700_000_000_000);
    expect(readFileSync(path).toString('hex')).toBe(recordHex('AUM A, created 1700000000'));

    now = 1_700_003_600_000;
    await store.purge([h(A)]);
    expect(await store.get(h(A))).toBeUndefined();
    expect(await store.commitTime(h(A))).toBeUndefined();
    expect(readFileSync(path).toString('hex')).toBe(
      recordHex('AUM A, created 1700000000, purged 1700003600'),
    );
    expect(await (await FileStore.open(dir)).get(h(A))).toBeUndefined();

    now = 1_800_000_000_000;
    await store.commit([A]);
    expect(await store.get(h(A))).toEqual(A);
    expect(await store.commitTime(h(A))).toBe(1_700_000_000_000);
    expect(readFileSync(path).toString('hex')).toBe(recordHex('AUM A, created 1700000000'));
    expect(await (await FileStore.open(dir)).commitTime(h(A))).toBe(1_700_000_000_000);
  });

  it('keeps a legacy record’s mtime as its commit time through purge and resurrection', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'UK'));
    writeFileSync(pathOf(dir, A_NAME), hex(`a102${vectors.aums['A']!}`));
    utimesSync(pathOf(dir, A_NAME), 1_600_000_000, 1_600_000_000);
    let now = 1_700_000_000_000;
    const store = await FileStore.open(dir, { clock: () => now });
    expect(await store.commitTime(h(A))).toBe(1_600_000_000_000);
    await store.purge([h(A)]);
    now = 1_800_000_000_000;
    await store.commit([A]);
    expect(await store.commitTime(h(A))).toBe(1_600_000_000_000);
    expect(await (await FileStore.open(dir)).commitTime(h(A))).toBe(1_600_000_000_000);
  });

  it('fills a placeholder record (no AUM) keeping its CreatedUnix, as tailscaled does', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'UK'));
    writeFileSync(pathOf(dir, A_NAME), hex('a202f6031a625ab0c0')); // CreatedUnix 1650110656
    const store = await FileStore.open(dir, { clock: () => 1_700_000_000_000 });
    expect(await store.get(h(A))).toBeUndefined();
    expect(await store.heads()).toEqual([]);
    await store.commit([A]);
    expect(await store.commitTime(h(A))).toBe(1_650_110_656_000);
  });

  it('does not rewrite an AUM that is stored already', async () => {
    const dir = makeTempDir();
    const store = await FileStore.open(dir, { clock: () => 1_700_000_000_000 });
    await store.commit([A]);
    utimesSync(pathOf(dir, A_NAME), 1_600_000_000, 1_600_000_000);
    await store.commit([A]);
    expect(statSync(pathOf(dir, A_NAME)).mtimeMs).toBe(1_600_000_000_000);
  });
});

describe('FileStore.removeAll', () => {
  it('removes the directory; the store is then empty, and a later commit starts afresh', async () => {
    const dir = join(makeTempDir(), 'store');
    const store = await FileStore.open(dir);
    await store.commit([genesis, middle]);
    await store.setLastActiveAncestor(h(genesis));
    await store.removeAll();
    expect(existsSync(dir)).toBe(false);
    expect(await store.heads()).toEqual([]);
    expect(await store.get(h(genesis))).toBeUndefined();
    expect(await store.lastActiveAncestor()).toBeUndefined();

    await store.commit([leaf]);
    const reopened = await FileStore.open(dir);
    expect(await reopened.heads()).toEqual([leaf]);
    expect(await reopened.get(h(genesis))).toBeUndefined();
  });
});

describe('FileStore write lock', () => {
  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', '']);
    return child.pid;
  }
  const lockText = (pid: number, host: string): string =>
    `${JSON.stringify({ pid, host, token: 'feed', since: '2026-01-01T00:00:00.000Z' })}\n`;

  it('breaks a lock left by a process that died', async () => {
    const dir = makeTempDir();
    const store = await FileStore.open(dir);
    writeFileSync(join(dir, LOCK_FILE), lockText(deadPid(), hostname()));
    await store.commit([genesis]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(await (await FileStore.open(dir)).heads()).toEqual([genesis]);
  });

  const held: [string, string][] = [
    ['a live process', lockText(process.pid, hostname())],
    ['another host', lockText(deadPid(), 'some-other-host')],
    ['an unknown owner', 'not a lock record'],
  ];
  for (const [who, text] of held) {
    it(`waits for a lock held by ${who}, then fails with STORAGE naming the lock file`, async () => {
      const dir = makeTempDir();
      const store = await FileStore.open(dir, { lockWaitMs: 30 });
      await store.commit([genesis]);
      const lock = join(dir, LOCK_FILE);
      writeFileSync(lock, text);
      const before = dirSnapshot(dir);
      for (const write of [
        () => store.commit([middle]),
        () => store.purge([h(genesis)]),
        () => store.setLastActiveAncestor(h(genesis)),
      ]) {
        const error = await expectTlockError(write(), 'STORAGE');
        expect(error.message).toContain(lock);
      }
      expect(dirSnapshot(dir)).toEqual(before);
      expect(await store.heads()).toEqual([genesis]);
      expect(readdirSync(dir).sort()).toEqual([nameOf(genesis).slice(0, 2), LOCK_FILE].sort());
    });
  }
});
