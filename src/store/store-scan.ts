import type { Dirent, Stats } from 'node:fs';
import { closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TlockError, isTlockError } from '../errors.js';
import { FILE_STORE_READS_BETWEEN_YIELDS, MAX_AUM_FILE_BYTES } from '../limits.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';
import { bytesEqual } from '../wire/bytes.js';
import { type AumRecord, decodeAumRecordHashed } from './aum-record.js';
import { isTempName } from './atomic-file.js';
import { errnoCode, ioError } from './io-error.js';

// Reading a store directory in Tailscale's layout (docs/FORMAT.md §8):
// `<dir>/<first 2 chars of h>/<h>` per AUM, `<dir>/last_active_ancestor` as 32 raw bytes.

export const LAST_ACTIVE_ANCESTOR_FILE = 'last_active_ancestor';

/** One AUM file as read from disk. */
export interface RecordFile {
  record: AumRecord;
  /** The file's modification time: the commit time of legacy records without CreatedUnix (0, unread, for the others). */
  mtimeMs: number;
  /** The hash its name stands for (the AUM's hash, checked when read). Read in place by the authority, which never changes it; never handed to a caller. */
  hash: Uint8Array;
}

export interface StoreScan {
  /** Every AUM file, by its name (the base32 hash). */
  records: Map<string, RecordFile>;
  /** Temp files of ours left by a crashed writer: removed at the next write, under the lock. */
  tempFiles: string[];
  /** The hint, or the error to report when it is asked for (a file of the wrong length). */
  lastActiveAncestor: Uint8Array | undefined | TlockError;
}

const HASH_SHAPED = /^[A-Z2-7]{52}$/;

/** Whether a directory entry is named like an AUM file (so it must be one, and valid). */
export function isHashShaped(name: string): boolean {
  return HASH_SHAPED.test(name);
}

/** The path of the AUM file for a base32 hash. */
export function recordPath(dir: string, name: string): string {
  return join(dir, name.slice(0, 2), name);
}

function corrupt(path: string, problem: string, cause?: unknown): TlockError {
  return new TlockError(
    'STORAGE',
    `corrupt AUM file ${path}: ${problem}. tlock never skips or deletes such a file: restore it ` +
      'from a backup or another node, or move it away if you know its AUM is not needed',
    { cause },
  );
}

/** Files up to this size are read into one reused buffer (decoding copies what it keeps). */
const REUSED_READ_BUFFER_BYTES = 64 * 1024;
let readBuffer = new Uint8Array(4096);

/** Room for `size` bytes: the reused buffer (valid until the next read) or, for a large file, its own. */
function bufferFor(size: number): Uint8Array {
  if (size > REUSED_READ_BUFFER_BYTES) return new Uint8Array(size);
  if (readBuffer.length < size) readBuffer = new Uint8Array(REUSED_READ_BUFFER_BYTES);
  return readBuffer.subarray(0, size);
}

/**
 * Reads and checks the AUM file for `name` at `path`: it must be a regular file that decodes
 * strictly and, if it holds an AUM, that AUM must hash to the name. Returns undefined if there
 * is no such file. `regular`: the directory listing already says it is a regular file (not a
 * link), so the read can skip the fstat that would say so (a third of the system calls of
 * opening a store); the size and the modification time are then asked for only when needed.
 *
 * Synchronous on purpose: a small local file reads about 7 times faster this way than through
 * fs/promises (measured: 10 000 files in 80 ms against 600 ms); the scan yields to the event
 * loop between chunks of files instead.
 */
export function readRecordFile(
  path: string,
  name: string,
  hash: Uint8Array = hashFromBase32(name),
  regular = false,
): RecordFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw ioError('read', path, e);
  }
  try {
    const bytes = readWhole(fd, path, regular);
    let decoded: { record: AumRecord; aumHash?: Uint8Array };
    try {
      decoded = decodeAumRecordHashed(bytes);
    } catch (e) {
      if (!isTlockError(e)) throw e;
      throw corrupt(path, `it does not decode (${e.message}); it may be truncated`, e);
    }
    const actual = decoded.aumHash;
    if (actual !== undefined && !bytesEqual(actual, hash)) {
      throw corrupt(path, `it holds the AUM ${hashToBase32(actual)}, not the one its name says`);
    }
    // Only a record without CreatedUnix (written by old tailscaled versions) needs its mtime.
    const mtimeMs = decoded.record.createdUnix > 0n ? 0 : statOf(fd, path).mtimeMs;
    return { record: decoded.record, mtimeMs, hash };
  } finally {
    closeSync(fd);
  }
}

function statOf(fd: number, path: string): Stats {
  try {
    return fstatSync(fd);
  } catch (e) {
    throw ioError('read', path, e);
  }
}

/**
 * The file's bytes (in the reused buffer when they fit). A file known to be regular is read
 * straight into the buffer, and asked for its size only when it fills it; anything else is
 * checked first (a device could be read for ever).
 */
function readWhole(fd: number, path: string, regular: boolean): Uint8Array {
  try {
    if (regular) {
      const buffer = bufferFor(REUSED_READ_BUFFER_BYTES);
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      if (n < buffer.length) return buffer.subarray(0, n);
    }
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw corrupt(path, 'it is not a regular file');
    if (stat.size > MAX_AUM_FILE_BYTES) {
      throw corrupt(path, `it holds ${stat.size} bytes, more than any AUM (${MAX_AUM_FILE_BYTES})`);
    }
    const bytes = bufferFor(stat.size); // typed arrays over 64 bytes live outside the JS heap: costly per file
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return bytes.subarray(0, read); // a file cut short since fstat reads as truncated
  } catch (e) {
    if (isTlockError(e)) throw e;
    if (errnoCode(e) === 'EISDIR') throw corrupt(path, 'it is not a regular file', e);
    throw ioError('read', path, e);
  }
}

function listDir(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (e) {
    throw ioError('list', path, e);
  }
}

function readLastActiveAncestor(dir: string): Uint8Array | undefined | TlockError {
  const path = join(dir, LAST_ACTIVE_ANCESTOR_FILE);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path)); // synchronous, like the AUM files
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    return ioError('read', path, e);
  }
  if (bytes.length !== 32) {
    return new TlockError(
      'STORAGE',
      `${path} holds ${bytes.length} bytes, not a 32-byte AUM hash; set the hint again (or remove ` +
        'the file) to recover',
    );
  }
  return bytes;
}

/**
 * Scans a store directory once, reading every AUM file once. Names that are not hash-shaped
 * (temp files, `.DS_Store`, lower case) are ignored, as tailscaled does; a hash-shaped file
 * that is corrupt, or in the wrong prefix directory, or not in a prefix directory, is an error.
 */
export async function scanStore(dir: string): Promise<StoreScan> {
  const scan: StoreScan = { records: new Map(), tempFiles: [], lastActiveAncestor: undefined };
  const toRead: { path: string; name: string; hash: Uint8Array; regular: boolean }[] = [];
  for (const entry of listDir(dir)) {
    const path = join(dir, entry.name);
    if (isTempName(entry.name)) scan.tempFiles.push(path);
    else if (isHashShaped(entry.name)) throw corrupt(path, 'an AUM file must sit in its prefix directory');
    if (!entry.isDirectory()) continue;
    for (const file of listDir(path)) {
      const filePath = `${path}/${file.name}`; // `path` is already normalised by join
      if (isTempName(file.name)) scan.tempFiles.push(filePath);
      if (!isHashShaped(file.name)) continue;
      if (file.name.slice(0, 2) !== entry.name) {
        throw corrupt(filePath, `it sits in the wrong prefix directory (expected ${file.name.slice(0, 2)}/)`);
      }
      let hash: Uint8Array;
      try {
        hash = hashFromBase32(file.name);
      } catch (e) {
        throw corrupt(filePath, 'its name is not the canonical base32 text of any hash', e);
      }
      toRead.push({ path: filePath, name: file.name, hash, regular: file.isFile() });
    }
  }
  for (let i = 0; i < toRead.length; i++) {
    if (i % FILE_STORE_READS_BETWEEN_YIELDS === FILE_STORE_READS_BETWEEN_YIELDS - 1)
      await new Promise((resolve) => setImmediate(resolve));
    const { path, name, hash, regular } = toRead[i]!;
    const file = readRecordFile(path, name, hash, regular);
    // A file removed since the listing (by another store's removeAll) is simply not there.
    if (file !== undefined) scan.records.set(name, file);
  }
  scan.lastActiveAncestor = readLastActiveAncestor(dir);
  return scan;
}
