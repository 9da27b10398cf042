import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { TlockError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { errnoCode, ioError } from '../store/io-error.js';
import { hashFromBase32 } from '../wire/base32.js';

/**
 * Where a node remembers the newest server head it verified, for rollback refusal
 * (server-chain-verdict.ts). Heads are base32 AUM hashes.
 */
export interface HeadMemory {
  load(): Promise<string | undefined>;
  save(head: string): Promise<void>;
}

/** In memory only: protects one process's syncs (tests, or a daemon that keeps no files). */
export class MemoryHeadMemory implements HeadMemory {
  #head: string | undefined;

  constructor(head?: string) {
    if (head !== undefined) hashFromBase32(head);
    this.#head = head;
  }

  load(): Promise<string | undefined> {
    return Promise.resolve(this.#head);
  }

  save(head: string): Promise<void> {
    hashFromBase32(head);
    this.#head = head;
    return Promise.resolve();
  }
}

/** A file holding the head as text (written atomically, mode 0600). A missing file: none remembered. */
export class FileHeadMemory implements HeadMemory {
  readonly path: string;

  constructor(path: string) {
    if (typeof path !== 'string' || path === '') {
      throw new TlockError('INVALID_ARGUMENT', 'FileHeadMemory: expected a file path');
    }
    this.path = resolve(path);
  }

  async load(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw ioError('read', this.path, e);
    }
    const head = text.trim();
    try {
      hashFromBase32(head);
    } catch {
      throw new TlockError(
        'STORAGE',
        `${this.path} does not hold an AUM hash; restore it, or delete it to forget the remembered server head`,
      );
    }
    return head;
  }

  async save(head: string): Promise<void> {
    hashFromBase32(head);
    await writeFileAtomic(dirname(this.path), basename(this.path), new TextEncoder().encode(head + '\n'));
  }
}
