import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disablementKDF } from '../../src/crypto/kdf.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

const SECRET = '4f2a9c0e1d7b3a5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f';

describe('tlock disablement-kdf', () => {
  it('prints disablement:<hex> of the KDF, for bare hex, disablement-secret:HEX, a file and stdin', async () => {
    const expected = `disablement:${Buffer.from(await disablementKDF(Buffer.from(SECRET, 'hex'))).toString('hex')}`;
    const bare = await tlock(['disablement-kdf', SECRET]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toBe(`${expected}\n`);
    expect(bare.stderr).toContain('Argon2i'); // the progress line for a slow step

    const dir = makeTempDir('tlock-cli-');
    const file = join(dir, 'secret');
    writeFileSync(file, `disablement-secret:${SECRET.toUpperCase()}\n`, { mode: 0o600 });
    const viaFile = await tlock(['disablement-kdf', `file:${file}`, '--json']);
    expect(viaFile.stderr).toBe(''); // no progress line with --json
    expect(jsonOf(viaFile)).toEqual({ DisablementValue: expected });

    const viaStdin = await tlock(['disablement-kdf', '-'], { input: `${SECRET}\n` });
    expect(viaStdin.stdout).toBe(`${expected}\n`);
  });

  it('refuses what is not a secret, and a secret file others can read: status 2', async () => {
    const dir = makeTempDir('tlock-cli-');
    const shared = join(dir, 'secret');
    writeFileSync(shared, SECRET);
    chmodSync(shared, 0o644);
    const cases: [string, string][] = [
      ['abc', 'a disablement secret is hex'],
      ['zz', 'a disablement secret is hex'],
      ['disablement-secret:', 'a disablement secret is hex'],
      [`disablement:${SECRET}`, 'that is a disablement value'],
      [`file:${shared}`, 'chmod 600'],
      [`file:${join(dir, 'missing')}`, 'does not exist'],
    ];
    for (const [arg, message] of cases) {
      const r = await tlock(['disablement-kdf', arg]);
      expect(r.code, arg).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr, arg).toContain(message);
    }
  });
});
