import { link, stat } from 'node:fs/promises';
import { type SigningKey, signingKeyFromPrivate } from '../src/crypto/ed25519.js';
import { isTlockError } from '../src/errors.js';
import { fsyncDir, removeQuietly, writeSyncedTemp } from '../src/store/atomic-file.js';
import { errnoCode, ioError } from '../src/store/io-error.js';
import { formatTLPrivate, parseTLPrivate } from '../src/wire/keytext.js';
import { usageError } from './cli-error.js';
import type { OptionSpecs } from './command-spec.js';
import { readArgument, readInputFile, refuseSharedSecretFile } from './secret-input.js';
import { ensureStateDir, keyFile } from './state-dir.js';
import { uninterrupted } from './interrupt.js';

/** `--key`: for commands that sign, a key other than the state directory's. */
export const KEY_OPTION = {
  key: {
    type: 'string',
    placeholder: 'file:PATH|-',
    describe: 'sign with this private key (nlpriv:…, in a file or on stdin) instead of <dir>/key',
  },
} as const satisfies OptionSpecs;

/**
 * Writes a new key to `<dir>/key` (0600; the directory is created 0700 when missing). Never
 * overwrites: the file appears complete or not at all (a synced temp file hard-linked into place,
 * which fails if the name exists).
 */
export async function createKeyFile(stateDir: string, key: SigningKey): Promise<string> {
  await ensureStateDir(stateDir);
  const path = keyFile(stateDir);
  const text = new TextEncoder().encode(formatTLPrivate(key.privateKey) + '\n');
  await uninterrupted(async () => {
    const temp = await writeSyncedTemp(stateDir, 'key', text);
    try {
      await link(temp, path);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') {
        throw usageError(
          `${path} already exists; tlock never overwrites a key (move it away first if you really mean to replace it)`,
        );
      }
      throw ioError('create', path, e);
    } finally {
      text.fill(0);
      await removeQuietly(temp);
    }
    await fsyncDir(stateDir);
  });
  return path;
}

/** The signing key of a command: `--key file:PATH|-` if given, else `<dir>/key`. */
export async function loadSigningKey(stateDir: string, keyOption: string | undefined): Promise<SigningKey> {
  if (keyOption !== undefined) {
    if (keyOption !== '-' && !keyOption.startsWith('file:')) {
      throw usageError('--key: give the private key as file:PATH or - (stdin), never on the command line');
    }
    return parseKeyText(await readArgument(keyOption, '--key', { secret: true }), keyOption);
  }
  const path = keyFile(stateDir);
  let text: string;
  try {
    text = await readInputFile(path, 'signing key', { secret: true });
  } catch (e) {
    if (isTlockError(e) && !(await exists(path))) {
      throw usageError(`no signing key at ${path}: run "tlock keygen" first, or give --key file:PATH`);
    }
    throw e;
  }
  return parseKeyText(text.trim(), path);
}

/**
 * This directory's public key for display (`status`), if it has a key; a key file that others
 * may read is reported (and still shown: status only reads the public half).
 */
export async function peekPublicKey(stateDir: string): Promise<{ publicKey?: Uint8Array; problem?: string }> {
  const path = keyFile(stateDir);
  try {
    const s = await stat(path);
    let problem: string | undefined;
    try {
      refuseSharedSecretFile(path, s.mode, 'key file');
    } catch (e) {
      problem = (e as Error).message;
    }
    const key = parseKeyText((await readInputFile(path, 'key file')).trim(), path);
    return problem === undefined ? { publicKey: key.publicKey } : { publicKey: key.publicKey, problem };
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return {};
    return { problem: (e as Error).message };
  }
}

function parseKeyText(text: string, source: string): SigningKey {
  try {
    const priv = parseTLPrivate(text);
    try {
      return signingKeyFromPrivate(priv);
    } finally {
      priv.fill(0);
    }
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(
      `${source}: not a Tailnet Lock private key (expected "nlpriv:" and 128 hex characters; ${e.message})`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
