import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleSources } from './dist-freshness.js';
import { makeTempDir } from './temp-dirs.js';

// The global setup rebuilds dist/ only when this says a source changed.

function file(path: string, mtimeSeconds: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  utimesSync(path, mtimeSeconds, mtimeSeconds);
}

describe('staleSources', () => {
  it('lists sources whose compiled file is missing or older, and nothing once dist/ is newer', () => {
    const root = makeTempDir('tlock-dist-');
    file(join(root, 'src/a.ts'), 1000);
    file(join(root, 'src/deep/b.ts'), 1000);
    file(join(root, 'src/types.d.ts'), 5000);
    file(join(root, 'dist/src/a.js'), 2000);
    expect(staleSources(root, ['src'])).toEqual(['src/deep/b.ts']);
    file(join(root, 'dist/src/deep/b.js'), 2000);
    expect(staleSources(root, ['src'])).toEqual([]);
    file(join(root, 'src/a.ts'), 3000);
    expect(staleSources(root, ['src'])).toEqual(['src/a.ts']);
  });
});
