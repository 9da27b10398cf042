import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFixtures } from '../../fixtures/make-fixtures.js';
import { dirSnapshot, makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { FIXTURES } from './fixture-dirs.js';

afterAll(removeTempDirs);

describe('fixtures/', () => {
  it('are exactly what fixtures/make-fixtures.ts writes (so they can be made again)', async () => {
    const out = makeTempDir('tlock-fixtures-');
    await makeFixtures(out);
    const modeless = (snap: Record<string, string>): Record<string, string> =>
      Object.fromEntries(Object.entries(snap).filter(([k]) => !k.endsWith('/')));
    for (const d of ['admin', 'keys', 'netmaps']) {
      expect(modeless(dirSnapshot(join(out, d))), d).toEqual(modeless(dirSnapshot(join(FIXTURES, d))));
    }
  });
});
