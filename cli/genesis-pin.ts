import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { TlockError, isTlockError } from '../src/errors.js';
import { writeFileAtomic } from '../src/store/atomic-file.js';
import { errnoCode, ioError } from '../src/store/io-error.js';
import { hashFromBase32, hashToBase32 } from '../src/wire/base32.js';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import { genesisPinFile } from './state-dir.js';

/*
 * The genesis this node trusts, remembered in `<dir>/genesis-pin` (base32 hash, mode 0600): the
 * pin given to `tlock sync --pin`, the genesis taken on first use with `--tofu`, or the one an
 * admin published. A later bootstrap (after the chain was lost or Tailnet Lock was turned off and
 * on again) is checked against it, so trust on first use happens at most once per directory.
 */

/** `--pin`: a genesis hash as `tlock sync` prints it (52 base32 characters). */
export function parsePin(text: string): string {
  try {
    return hashToBase32(hashFromBase32(text.trim()));
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(
      `--pin: expected the genesis hash (52 base32 characters, as the admin's "tlock sync" prints it): ${e.message}`,
    );
  }
}

export async function loadPin(stateDir: string): Promise<string | undefined> {
  const path = genesisPinFile(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw ioError('read', path, e);
  }
  try {
    return hashToBase32(hashFromBase32(text.trim()));
  } catch {
    throw new TlockError(
      'STORAGE',
      `${path} does not hold a genesis hash; restore it, or delete it to forget the pinned genesis`,
    );
  }
}

export async function savePin(stateDir: string, genesisHash: string): Promise<void> {
  const path = genesisPinFile(stateDir);
  await writeFileAtomic(dirname(path), basename(path), new TextEncoder().encode(genesisHash + '\n'));
}

/** A `--pin` that contradicts the one remembered here is refused (status 1): it names another authority. */
export function refuseOtherPin(
  stateDir: string,
  given: string | undefined,
  remembered: string | undefined,
): void {
  if (given !== undefined && remembered !== undefined && given !== remembered) {
    throw new CliError(
      EXIT.REFUSED,
      'PIN_MISMATCH',
      `--pin ${given} is not the genesis this directory trusts (${remembered}, in ${genesisPinFile(stateDir)}); nothing was changed. To follow another authority, use another --dir`,
    );
  }
}
