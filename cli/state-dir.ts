import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { TlockError } from '../src/errors.js';

/**
 * The state directory: `--dir`, else $TLOCK_DIR, else
 * $XDG_STATE_HOME/tlock, else ~/.local/state/tlock. Inside it:
 *   tka/   the AUM store (Tailscale's chonk layout, so tailscaled's directory can be used as is)
 *   key    this machine's TL private key, `nlpriv:…`, mode 0600
 *   verified-head  the newest head verified from a coordination server (rollback refusal)
 *   genesis-pin    the genesis hash this node trusts (given with `sync --pin`, or taken on
 *                  first use with `--tofu`, or published here), checked when it bootstraps again
 */
export function resolveStateDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  const fromEnv = env['TLOCK_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const xdg = env['XDG_STATE_HOME'];
  if (xdg !== undefined && xdg !== '') return join(resolve(xdg), 'tlock');
  return join(homedir(), '.local', 'state', 'tlock');
}

export const storeDir = (stateDir: string): string => join(stateDir, 'tka');
export const keyFile = (stateDir: string): string => join(stateDir, 'key');
export const verifiedHeadFile = (stateDir: string): string => join(stateDir, 'verified-head');
export const genesisPinFile = (stateDir: string): string => join(stateDir, 'genesis-pin');

/** Creates the state directory with mode 0700 when missing; an existing directory's mode is left alone. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  try {
    const s = await stat(stateDir);
    if (!s.isDirectory())
      throw new TlockError('STORAGE', `${stateDir} exists and is not a directory; choose another --dir`);
    return;
  } catch (e) {
    if (e instanceof TlockError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TlockError('STORAGE', `cannot read ${stateDir}: ${(e as Error).message}`, { cause: e });
    }
  }
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new TlockError('STORAGE', `cannot create ${stateDir}: ${(e as Error).message}`, { cause: e });
  }
}

/** Whether a store directory holds any AUM yet (without opening it). */
export async function storeExists(stateDir: string): Promise<boolean> {
  try {
    return (await stat(storeDir(stateDir))).isDirectory();
  } catch {
    return false;
  }
}
