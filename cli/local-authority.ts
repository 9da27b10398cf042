import type { Authority } from '../src/authority/authority.js';
import { type ChainPosition, computeActiveChain } from '../src/authority/chain.js';
import { isTlockError } from '../src/errors.js';
import { FileStore } from '../src/store/file-store.js';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import { storeDir, storeExists } from './state-dir.js';

/** The authority kept in a state directory, with the store it was read from. */
export interface LocalAuthority {
  store: FileStore;
  authority: Authority;
}

/**
 * Opens the store in `<stateDir>/tka`, reading and checking every AUM file on disk (no cached
 * snapshot: a damaged or missing file is found now), and reads it with `open`. `undefined` when
 * the directory holds no authority. A store that cannot be read or whose chain does not hold
 * together is status 3, with the file or the reason named; nothing is changed or deleted.
 */
async function openStoreWith<T>(
  stateDir: string,
  open: (store: FileStore) => Promise<T>,
): Promise<T | undefined> {
  if (!(await storeExists(stateDir))) return undefined;
  const dir = storeDir(stateDir);
  try {
    const store = await FileStore.open(dir);
    if ((await store.heads()).length === 0) return undefined;
    return await open(store);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    const detail = e.code === 'STORAGE' ? e.message : `its chain does not hold together: ${e.message}`;
    throw new CliError(
      EXIT.IO,
      'STORAGE',
      `cannot open the authority in ${dir}: ${detail}\nNothing was changed or deleted; repair or restore the store (or point --dir elsewhere).`,
      { cause: e },
    );
  }
}

/** The authority in a state directory (see openStoreWith), with the store it was read from. */
export async function openLocalAuthority(stateDir: string): Promise<LocalAuthority | undefined> {
  return await openStoreWith(stateDir, async (store) => {
    // Loaded here, not at start-up: commands that only read the chain use openLocalChain.
    const { Authority } = await import('../src/authority/authority.js');
    return { store, authority: await Authority.open(store) };
  });
}

/** The active chain of the authority in a state directory and its state: what a command that only reads needs. */
export interface LocalChain {
  store: FileStore;
  position: ChainPosition;
}

/**
 * openLocalAuthority for commands that only read the chain (`status`): the same checks as
 * `Authority.open`, without loading what builds, syncs, compacts or revokes (about 14 modules,
 * a fifth of what `status` would load).
 */
export async function openLocalChain(stateDir: string): Promise<LocalChain | undefined> {
  return await openStoreWith(stateDir, async (store) => ({
    store,
    position: await computeActiveChain(store, await store.lastActiveAncestor()),
  }));
}

/** Like openLocalAuthority, for commands that need one: no authority is status 2, with what to do. */
export async function requireLocalAuthority(stateDir: string): Promise<LocalAuthority> {
  const local = await openLocalAuthority(stateDir);
  if (local === undefined) {
    throw usageError(
      `Tailnet Lock is not enabled in ${stateDir} (no authority in ${storeDir(stateDir)}): run "tlock init" first, or point --dir at a state directory that has one`,
    );
  }
  return local;
}
