import { dirname, join } from 'node:path';
import { Authority } from '../src/authority/authority.js';
import { FILE_LOCK_WAIT_MS } from '../src/limits.js';
import { withFileLock } from '../src/store/file-lock.js';
import { CliError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import type { LocalAuthority } from './local-authority.js';

/*
 * `<state dir>/change.lock`: held by a command that signs a change, from checking that the
 * authority on disk is still the one it read to storing the update. Without it, two commands run
 * at once (two `tlock add`s) would each sign an update on the same head: both acknowledged, both
 * stored, and fork resolution would silently drop one of them. The store's own lock (`tka/tlock.lock`)
 * covers one commit only. A lock left by a killed command is broken once its process is gone.
 */
export const CHANGE_LOCK_FILE = 'change.lock';

/**
 * Runs `write` under the change lock, after checking that the authority on disk still has the
 * head `local` was read at: if another command changed it meanwhile, nothing is written and the
 * command fails with CONFLICT (status 3), saying to run it again.
 */
export async function underChangeLock<T>(local: LocalAuthority, write: () => Promise<T>): Promise<T> {
  const path = join(dirname(local.store.dir), CHANGE_LOCK_FILE);
  return await withFileLock(path, FILE_LOCK_WAIT_MS, async () => {
    const read = local.authority.head;
    await local.store.reload();
    const now = (await Authority.open(local.store)).head;
    if (now !== read) {
      throw new CliError(
        EXIT.IO,
        'CONFLICT',
        `another tlock command changed the authority in ${local.store.dir} while this one ran (head ${read} is now ${now}); nothing was written: run the command again`,
      );
    }
    return await write();
  });
}
