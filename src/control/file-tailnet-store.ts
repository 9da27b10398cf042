import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { TlockError } from '../errors.js';
import { authorizingKeyID } from '../signing/node-key-authorization.js';
import { decodeNodeKeySignature } from '../model/nks.js';
import { DIR_MODE, fsyncDir, isTempName, removeTree, writeFileAtomic } from '../store/atomic-file.js';
import { FileStore } from '../store/file-store.js';
import { errnoCode, ioError } from '../store/io-error.js';
import { decodeBase64, encodeBase64 } from '../wire/base64.js';
import { bytesEqual, fromHex, toHex } from '../wire/bytes.js';
import { type TailnetSettings, copySettings } from '../store/tailnet-settings.js';
import { MemoryPendingInits } from './pending-inits.js';
import type {
  PendingInits,
  StoredSignature,
  TailnetStore,
  TailnetStores,
  TailnetWrite,
} from './tailnet-store.js';

/*
 * The server's data directory:
 *   <data>/tailnets/<tailnet>/tka/           the chain (FileStore: Tailscale's layout)
 *   <data>/tailnets/<tailnet>/signatures/<64 hex digits of the node key>   its newest NKS (CBOR)
 *   <data>/tailnets/<tailnet>/settings.json  {"disabled", "disablementSecret"?, "supportDisablement"?}
 * Every file is written atomically (temp + fsync + rename + fsync dir), mode 0600.
 */

const SETTINGS_FILE = 'settings.json';
const SIGNATURES_DIR = 'signatures';
const NODE_KEY_NAME = /^[0-9a-f]{64}$/;

function storageError(message: string): TlockError {
  return new TlockError('STORAGE', message);
}

/**
 * One tailnet's files. Signatures are read once at open and kept in memory (a few hundred bytes
 * each). One server process owns the directory, so there is nothing to catch up with: the
 * revision stays 0, and a write is this object itself, one at a time.
 */
class FileTailnetStore implements TailnetStore, TailnetWrite {
  readonly revision = 0;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly aums: FileStore,
    private readonly sigs: Map<string, StoredSignature>,
    private current: TailnetSettings,
  ) {}

  static async open(dir: string): Promise<FileTailnetStore> {
    const aums = await FileStore.open(join(dir, 'tka'));
    return new FileTailnetStore(
      dir,
      aums,
      await readSignatures(join(dir, SIGNATURES_DIR)),
      await readSettings(dir),
    );
  }

  refresh(): Promise<number> {
    return Promise.resolve(this.revision);
  }

  exclusive<T>(fn: (write: TailnetWrite) => Promise<T>): Promise<{ value: T; revision: number }> {
    const write = async (): Promise<{ value: T; revision: number }> => ({
      value: await fn(this),
      revision: this.revision,
    });
    const run = this.#queue.then(write, write);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  settings(): Promise<TailnetSettings> {
    return Promise.resolve(copySettings(this.current));
  }

  async saveSettings(settings: TailnetSettings): Promise<void> {
    const json: Record<string, unknown> = { disabled: settings.disabled };
    if (settings.disablementSecret !== undefined)
      json['disablementSecret'] = encodeBase64(settings.disablementSecret);
    if (settings.supportDisablement !== undefined)
      json['supportDisablement'] = encodeBase64(settings.supportDisablement);
    await writeFileAtomic(this.dir, SETTINGS_FILE, new TextEncoder().encode(JSON.stringify(json) + '\n'));
    this.current = copySettings(settings);
  }

  signature(nodeKey: Uint8Array): Promise<StoredSignature | undefined> {
    const s = this.sigs.get(toHex(nodeKey));
    return Promise.resolve(s === undefined ? undefined : copySignature(s));
  }

  async putSignature(sig: StoredSignature): Promise<void> {
    const dir = join(this.dir, SIGNATURES_DIR);
    await makeDir(dir);
    const name = toHex(sig.nodeKey);
    await writeFileAtomic(dir, name, sig.signature);
    this.sigs.set(name, copySignature(sig));
  }

  signaturesByKey(keyID: Uint8Array): Promise<StoredSignature[]> {
    const out: StoredSignature[] = [];
    for (const s of this.sigs.values()) if (bytesEqual(s.keyID, keyID)) out.push(copySignature(s));
    return Promise.resolve(out);
  }

  async reset(): Promise<void> {
    await this.aums.removeAll();
    await removeTree(join(this.dir, SIGNATURES_DIR));
    await removeTree(join(this.dir, SETTINGS_FILE));
    await fsyncDir(this.dir);
    this.sigs.clear();
    this.current = { disabled: false };
  }
}

function copySignature(s: StoredSignature): StoredSignature {
  return { nodeKey: s.nodeKey.slice(), signature: s.signature.slice(), keyID: s.keyID.slice() };
}

async function readSettings(dir: string): Promise<TailnetSettings> {
  const path = join(dir, SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { disabled: false };
    throw ioError('read', path, e);
  }
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (typeof json !== 'object' || json === null || typeof json['disabled'] !== 'boolean')
      throw new Error('no "disabled"');
    const out: TailnetSettings = { disabled: json['disabled'] };
    for (const field of ['disablementSecret', 'supportDisablement'] as const) {
      const v = json[field];
      if (v !== undefined) out[field] = decodeBase64(v as string, field);
    }
    return out;
  } catch (e) {
    throw storageError(`${path} is damaged (${(e as Error).message}); restore it from a backup`);
  }
}

async function readSignatures(dir: string): Promise<Map<string, StoredSignature>> {
  const out = new Map<string, StoredSignature>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return out;
    throw ioError('list', dir, e);
  }
  for (const name of names) {
    if (isTempName(name)) continue; // a writer crashed before its rename: the old file stands
    const path = join(dir, name);
    if (!NODE_KEY_NAME.test(name)) {
      throw storageError(`${path} is not a signature file (64 lower-case hex digits); move it out of ${dir}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw ioError('read', path, e);
    }
    try {
      out.set(name, {
        nodeKey: fromHex(name),
        signature: bytes,
        keyID: authorizingKeyID(decodeNodeKeySignature(bytes)).slice(),
      });
    } catch (e) {
      throw storageError(
        `${path} does not hold a node-key signature (${(e as Error).message}); restore or remove it`,
      );
    }
  }
  return out;
}

async function makeDir(path: string): Promise<void> {
  try {
    const first = await mkdir(path, { recursive: true, mode: DIR_MODE });
    if (first !== undefined) await fsyncDir(dirname(first));
  } catch (e) {
    throw ioError('create the directory', path, e);
  }
}

/** Tailnets in a data directory, each opened once per process (`tlock serve --data DIR`). */
export class FileTailnetStores implements TailnetStores {
  readonly dir: string;
  readonly inits: PendingInits = new MemoryPendingInits();
  readonly #open = new Map<string, Promise<FileTailnetStore>>();

  constructor(dataDir: string) {
    this.dir = resolve(dataDir);
  }

  async open(tailnet: string, opts: { create: boolean }): Promise<TailnetStore | undefined> {
    const cached = this.#open.get(tailnet);
    if (cached !== undefined) return cached;
    const dir = join(this.dir, 'tailnets', tailnet);
    if (!opts.create && !(await isDirectory(dir))) return undefined;
    const opening = (async () => {
      await makeDir(dir);
      return FileTailnetStore.open(dir);
    })();
    this.#open.set(tailnet, opening);
    opening.catch(() => this.#open.delete(tailnet)); // a failed open is retried by the next request
    return opening;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw ioError('open', path, e);
  }
}
