import { readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from '../crypto/random.js';
import { TlockError } from '../errors.js';
import { FILE_LOCK_WAIT_MS } from '../limits.js';
import { toHex } from '../wire/bytes.js';
import { createExclusive } from './atomic-file.js';
import { errnoCode, ioError } from './io-error.js';

/**
 * An exclusive lock between processes (and between stores in one process): a file created only
 * if absent, holding its owner's pid, host and a random token. It is held only while writing.
 *
 * A lock whose owner died (same host, pid no longer running) is stale and is broken, so a
 * crashed writer never blocks the store. Breaking is itself guarded by a second lock file
 * (`<lock>.break`), so that two processes that both saw the same stale lock cannot remove a
 * fresh lock taken in between. A lock from another host, or unreadable, is never broken: after
 * FILE_LOCK_WAIT_MS the writer gives up with an error naming the file to remove by hand.
 */

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  since: string;
}

const encoder = new TextEncoder();

function ownerText(token: string): string {
  const owner: LockOwner = { pid: process.pid, host: hostname(), token, since: new Date().toISOString() };
  return `${JSON.stringify(owner)}\n`;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid <= 0) return undefined;
    if (typeof o.host !== 'string' || typeof o.token !== 'string') return undefined;
    return { pid: o.pid, host: o.host, token: o.token, since: typeof o.since === 'string' ? o.since : '?' };
  } catch {
    return undefined;
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM'; // exists, but belongs to another user
  }
}

/** The lock file's text, or undefined if there is no lock file. */
async function readLockText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw ioError('read the lock file', path, e);
  }
}

function isStale(text: string): boolean {
  const owner = parseOwner(text);
  return owner !== undefined && owner.host === hostname() && !processIsRunning(owner.pid);
}

function describeOwner(text: string): string {
  const owner = parseOwner(text);
  if (owner === undefined) return 'an unknown owner (the lock file does not hold a tlock owner record)';
  return `process ${owner.pid} on host ${JSON.stringify(owner.host)} since ${owner.since}`;
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw ioError('remove the lock file', path, e);
  }
}

export class FileLock {
  private constructor(
    readonly path: string,
    private readonly text: string,
  ) {}

  /** Waits for the lock at `path` (up to `waitMs`), breaking it if its owner has died. */
  static async acquire(path: string, waitMs = FILE_LOCK_WAIT_MS): Promise<FileLock> {
    const text = ownerText(toHex(randomBytes(16)));
    const deadline = Date.now() + waitMs;
    let delay = 1;
    for (;;) {
      if (await createExclusive(path, encoder.encode(text))) return new FileLock(path, text);
      const held = await readLockText(path);
      if (held === undefined) continue; // released between our attempt and our look
      if (isStale(held) && (await FileLock.breakStale(path, held))) continue;
      if (Date.now() >= deadline) {
        throw new TlockError(
          'STORAGE',
          `the store is locked by ${describeOwner(held)}; waited ${waitMs} ms. If no tlock process ` +
            `is writing to this store, remove the lock file ${path}`,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  }

  /** Removes the stale lock whose text is `staleText`, if it is still that one. */
  private static async breakStale(path: string, staleText: string): Promise<boolean> {
    const breaker = `${path}.break`;
    const breakerText = ownerText(toHex(randomBytes(16)));
    if (!(await createExclusive(breaker, encoder.encode(breakerText)))) {
      // Another process is breaking the lock. A breaker lock whose owner died (a crash in the
      // few microseconds it is held) is removed so that breaking can ever happen again.
      const held = await readLockText(breaker);
      if (held !== undefined && isStale(held)) await unlinkIfPresent(breaker);
      return false;
    }
    try {
      // Only a breaker removes a lock it does not own, and only while holding the breaker, so
      // the lock cannot have been replaced between this read and the unlink.
      if ((await readLockText(path)) === staleText) await unlinkIfPresent(path);
      return true;
    } finally {
      await unlinkIfPresent(breaker);
    }
  }

  /** Releases the lock (if it is still ours: a lock is never released on another's behalf). */
  async release(): Promise<void> {
    if ((await readLockText(this.path)) === this.text) await unlinkIfPresent(this.path);
  }
}

/** Runs `fn` while holding the lock at `path`. */
export async function withFileLock<T>(path: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = await FileLock.acquire(path, waitMs);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
