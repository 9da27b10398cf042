import { chmodSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../support/temp-dirs.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** A copy of fixtures/admin (admin A's key, mode 0600, and the forked chain) in a temp dir. */
export function adminDir(): string {
  const dir = join(makeTempDir('tlock-cli-'), 'admin');
  cpSync(join(FIXTURES, 'admin'), dir, { recursive: true });
  chmodSync(dir, 0o700);
  chmodSync(join(dir, 'key'), 0o600);
  return dir;
}

/** `tlpub:…` of a fixture key (adminA … adminE, outsider, nodeTL). */
export const fixturePub = (name: string): string =>
  readFileSync(join(FIXTURES, 'keys', `${name}.pub`), 'utf8').trim();

/** A copy of a fixture private key file, mode 0600, in a temp dir. */
export function fixtureKeyFile(name: string, mode = 0o600): string {
  const path = join(makeTempDir('tlock-cli-'), `${name}.key`);
  cpSync(join(FIXTURES, 'keys', `test-only-${name}.key`), path);
  chmodSync(path, mode);
  return path;
}

export const fixtureNetmap = (name: string): string => join(FIXTURES, 'netmaps', name);
