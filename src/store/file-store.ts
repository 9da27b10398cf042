import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type CompactableStore, IN_PLACE_READS, type InPlaceReads } from '../authority/store.js';
import { TlockError } from '../errors.js';
import { FILE_LOCK_WAIT_MS } from '../limits.js';
import type { AUM } from '../model/aum.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';
import { requireBytes } from '../wire/bytes.js';
import { type AumRecord, encodeAumRecord, recordIsLive } from './aum-record.js';
import {
  DIR_MODE,
  fsyncDir,
  removeQuietly,
  removeTree,
  renameInto,
  writeFileAtomic,
  writeSyncedTemps,
} from './atomic-file.js';
import { handOut, prepareBatch, requireHash, settle } from './store-contract.js';
import { RecordIndex } from './record-index.js';
import { errnoCode, ioError } from './io-error.js';
import {
  LAST_ACTIVE_ANCESTOR_FILE,
  type RecordFile,
  readRecordFile,
  recordPath,
  scanStore,
} from './store-scan.js';

/** Name of the lock file. Not hash-shaped and not a directory, so tailscaled ignores it too. */
export const LOCK_FILE = 'tlock.lock';

export interface FileStoreOptions {
  /** Milliseconds since the epoch; tests set it to control commit and purge times. */
  clock?: () => number;
  /** How long a write waits for another writer's lock (default FILE_LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

/** A record to write: the AUM file's name and its new content. */
interface PlannedWrite {
  name: string;
  record: AumRecord;
}

/**
 * AUMs on disk in Tailscale's layout (docs/FORMAT.md §8), so tlock and tailscaled can read
 * each other's TKA directories, with stronger durability: every write is temp + fsync + rename +
 * fsync of the directory, under an exclusive lock file held only while writing, so several
 * FileStores and processes may open one directory.
 *
 * `open` reads every file once and keeps the AUMs in memory: get, children and heads never touch
 * the disk. Writes made through another FileStore or process are seen after `reload()` (or a new
 * `open`). Writes themselves always start from the files on disk, under the lock, so they never
 * undo another process's writes.
 */
export class FileStore implements CompactableStore {
  private index = new RecordIndex();
  private hint: Uint8Array | undefined | TlockError;
  private tempFiles: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: () => number;
  private readonly lockWaitMs: number;

  private constructor(
    readonly dir: string,
    options: FileStoreOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.lockWaitMs = options.lockWaitMs ?? FILE_LOCK_WAIT_MS;
  }

  /**
   * Opens the store in `dir`, creating the directory (mode 0700) if it is missing; an existing
   * directory's mode is left alone. Throws STORAGE if `dir` is a file or any AUM file is corrupt.
   */
  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    if (typeof dir !== 'string' || dir === '') {
      throw new TlockError('INVALID_ARGUMENT', 'FileStore.open: dir: expected a directory path');
    }
    if (typeof options !== 'object' || options === null) {
      throw new TlockError('INVALID_ARGUMENT', 'FileStore.open: options: expected an object');
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new TlockError('INVALID_ARGUMENT', 'FileStore.open: options.clock: expected a function');
    }
    const wait = options.lockWaitMs;
    if (wait !== undefined && !(typeof wait === 'number' && Number.isFinite(wait) && wait >= 0)) {
      throw new TlockError('INVALID_ARGUMENT', 'FileStore.open: options.lockWaitMs: expected milliseconds');
    }
    const store = new FileStore(resolve(dir), options);
    await store.ensureDir();
    await store.reload();
    return store;
  }

  /** Re-reads the directory, to see what other stores and processes have written. */
  async reload(): Promise<void> {
    await this.exclusive(async () => {
      const scan = await scanStore(this.dir);
      this.index = new RecordIndex(scan.records);
      this.hint = scan.lastActiveAncestor;
      this.tempFiles = scan.tempFiles;
    });
  }

  get(hash: Uint8Array): Promise<AUM | undefined> {
    return settle(() => {
      return this.handOut(nameOf(hash, 'FileStore.get: hash'));
    });
  }

  children(hash: Uint8Array): Promise<AUM[]> {
    return settle(() =>
      this.index.storedChildren(nameOf(hash, 'FileStore.children: hash')).map((s) => handOut(s.aum)),
    );
  }

  heads(): Promise<AUM[]> {
    return settle(() => this.index.storedHeads().map((s) => handOut(s.aum)));
  }

  /** For the authority's chain walks only (src/authority/store.ts): the stored AUMs themselves. */
  readonly [IN_PLACE_READS]: InPlaceReads = {
    get: (hash) => this.index.stored(hashToBase32(hash)),
    children: (hash) => this.index.storedChildren(hashToBase32(hash)),
    heads: () => this.index.storedHeads(),
  };

  /** A caller's copy of the live AUM named `name`, if there is one. */
  private handOut(name: string): AUM | undefined {
    const stored = this.index.stored(name);
    return stored === undefined ? undefined : handOut(stored.aum);
  }

  /**
   * Stores AUMs (already verified by the authority); durable when the promise resolves. The whole
   * batch is checked before anything is written. Re-committing a purged AUM resurrects it with
   * its original commit time, as in Tailscale.
   */
  async commit(aums: AUM[]): Promise<void> {
    const batch = new Map(
      prepareBatch(aums, 'FileStore.commit').map(({ hash, aum }) => [hashToBase32(hash), aum]),
    );
    if (batch.size === 0) return;
    await this.locked(async () => {
      const writes: PlannedWrite[] = [];
      const unchanged = new Set<string>();
      for (const [name, aum] of batch) {
        const existing = readRecordFile(recordPath(this.dir, name), name);
        if (existing !== undefined && recordIsLive(existing.record)) {
          this.index.set(name, existing); // stored already (perhaps by another process)
          unchanged.add(name);
          continue;
        }
        const createdUnix = existing === undefined ? this.nowUnix() : createdOf(existing);
        writes.push({ name, record: { aum, createdUnix, purgedUnix: 0n } });
      }
      await this.writeRecords(writes);
      // An AUM found on disk may have been renamed in by a writer that crashed before its
      // directory fsync: make it durable before acknowledging it.
      for (const dir of new Set([...unchanged].map((n) => join(this.dir, n.slice(0, 2))))) {
        await fsyncDir(dir);
      }
    });
  }

  lastActiveAncestor(): Promise<Uint8Array | undefined> {
    return settle(() => {
      if (this.hint instanceof TlockError) throw this.hint;
      return this.hint?.slice();
    });
  }

  async setLastActiveAncestor(hash: Uint8Array): Promise<void> {
    const value = requireBytes(hash, 'FileStore.setLastActiveAncestor: hash', 32).slice();
    await this.locked(async () => {
      await writeFileAtomic(this.dir, LAST_ACTIVE_ANCESTOR_FILE, value);
      this.hint = value;
    });
  }

  allAUMs(): Promise<Uint8Array[]> {
    return settle(() => this.index.liveNames().map(hashFromBase32));
  }

  /** CreatedUnix (in ms), or the file's mtime for legacy records without it; undefined if purged. */
  commitTime(hash: Uint8Array): Promise<number | undefined> {
    return settle(() => {
      const file = this.index.file(nameOf(hash, 'FileStore.commitTime: hash'));
      return file !== undefined && recordIsLive(file.record) ? Number(createdOf(file)) * 1000 : undefined;
    });
  }

  /**
   * Purges AUMs logically, as Tailscale does: the file is rewritten with PurgedUnix = now and
   * the AUM stays in it. Purged AUMs are invisible to get, children, heads and allAUMs. Hashes
   * not stored, or already purged, are skipped.
   */
  async purge(hashes: Uint8Array[]): Promise<void> {
    if (!Array.isArray(hashes)) {
      throw new TlockError('INVALID_ARGUMENT', 'FileStore.purge: hashes: expected an array of hashes');
    }
    const names = new Set(hashes.map((h, i) => nameOf(h, `FileStore.purge: hashes[${i}]`)));
    if (names.size === 0) return;
    await this.locked(async () => {
      const writes: PlannedWrite[] = [];
      const purgedUnix = this.nowUnix();
      for (const name of names) {
        const existing = readRecordFile(recordPath(this.dir, name), name);
        if (existing === undefined) {
          this.index.delete(name);
        } else if (!recordIsLive(existing.record)) {
          this.index.set(name, existing);
        } else {
          // Keep the commit time even for legacy files, whose mtime this write would change.
          const createdUnix = createdOf(existing);
          writes.push({ name, record: { ...existing.record, createdUnix, purgedUnix } });
        }
      }
      await this.writeRecords(writes);
    });
  }

  /** Deletes the whole directory and everything in it (used when tailnet lock is disabled). */
  async removeAll(): Promise<void> {
    await this.locked(async () => {
      let entries: string[];
      try {
        entries = await readdir(this.dir);
      } catch (e) {
        throw ioError('list', this.dir, e);
      }
      for (const entry of entries) {
        if (entry !== LOCK_FILE) await removeTree(join(this.dir, entry));
      }
      this.index = new RecordIndex();
      this.hint = undefined;
      this.tempFiles = [];
    });
    try {
      await rmdir(this.dir);
      await fsyncDir(dirname(this.dir));
    } catch (e) {
      // Another writer may have stored something since; its data stays, and so does the dir.
      if (errnoCode(e) !== 'ENOTEMPTY' && errnoCode(e) !== 'ENOENT') throw ioError('remove', this.dir, e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Writes records crash-safely: all temp files first (fsynced), then renames in batch order. */
  private async writeRecords(writes: PlannedWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const dirs = new Set<string>();
    let createdPrefix = false;
    for (const { name } of writes) {
      const prefix = join(this.dir, name.slice(0, 2));
      if (dirs.has(prefix)) continue;
      dirs.add(prefix);
      createdPrefix = (await this.makeDir(prefix)) || createdPrefix;
    }
    if (createdPrefix) await fsyncDir(this.dir);
    const temps = await writeSyncedTemps(
      writes.map(({ name, record }) => ({
        dir: join(this.dir, name.slice(0, 2)),
        name,
        bytes: encodeAumRecord(record),
      })),
    );
    try {
      for (const [i, { name, record }] of writes.entries()) {
        await renameInto(temps[i]!, recordPath(this.dir, name));
        temps[i] = '';
        this.index.set(name, { record, mtimeMs: this.clock(), hash: hashFromBase32(name) });
      }
    } finally {
      for (const t of temps) if (t !== '') await removeQuietly(t);
    }
    await Promise.all([...dirs].map(fsyncDir));
  }

  private nowUnix(): bigint {
    // Never 0 or less: Tailscale reads those as "no creation time" and "not purged".
    return BigInt(Math.max(1, Math.floor(this.clock() / 1000)));
  }

  /** Runs a write: one at a time in this store, under the directory's lock across processes. */
  private locked(fn: () => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureDir();
      // Loaded by the first write: a store that is only read (`tlock status`, the hook) never needs it.
      const { withFileLock } = await import('./file-lock.js');
      await withFileLock(join(this.dir, LOCK_FILE), this.lockWaitMs, async () => {
        await fn();
        // Temp files seen by the last scan belong to writers that have finished (or crashed):
        // with the lock held, no writer of ours is using them.
        const temps = this.tempFiles;
        this.tempFiles = [];
        for (const t of temps) await removeQuietly(t);
      });
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Creates the store directory if it is missing (after removeAll, too). */
  private async ensureDir(): Promise<void> {
    let info;
    try {
      info = await stat(this.dir);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw ioError('open the store directory', this.dir, e);
      let first: string | undefined;
      try {
        first = await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
      } catch (e2) {
        throw ioError('create the store directory', this.dir, e2);
      }
      if (first !== undefined) await fsyncDir(dirname(first));
      return;
    }
    if (!info.isDirectory()) {
      throw new TlockError(
        'STORAGE',
        `${this.dir} is a file, not a directory; give a directory for the store`,
      );
    }
  }

  /** Creates a directory inside the store; returns whether it was created. */
  private async makeDir(path: string): Promise<boolean> {
    try {
      await mkdir(path, { mode: DIR_MODE });
      return true;
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return false;
      throw ioError('create the directory', path, e);
    }
  }
}

function nameOf(hash: unknown, what: string): string {
  return hashToBase32(requireHash(hash, what));
}

/** The commit time to keep for a record: CreatedUnix, or for legacy files their mtime. */
function createdOf(file: RecordFile): bigint {
  if (file.record.createdUnix > 0n) return file.record.createdUnix;
  return BigInt(Math.max(1, Math.floor(file.mtimeMs / 1000)));
}
