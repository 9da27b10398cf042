import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// README.md's library example is examples/library.ts, shown with the package's own import path.
// Here it runs as a user runs it (the compiled file, in a fresh process), and README.md is checked
// to show exactly this file.

const repo = fileURLToPath(new URL('../', import.meta.url));
const source = readFileSync(new URL('./library.ts', import.meta.url), 'utf8');

describe('the library example (examples/library.ts)', () => {
  it('runs: two admins, a signed node kept, an injected one dropped, the disablement secret valid', () => {
    const run = spawnSync(process.execPath, ['dist/examples/library.js'], { cwd: repo, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^head [A-Z2-7]{52}, 2 trusted keys$/);
    expect(lines.slice(1)).toEqual([
      'signed by a trusted key: true',
      'kept ["signed"]',
      'dropped injected: MISSING_SIGNATURE',
      'disablement secret valid: true',
    ]);
  });

  it('is what README.md shows, importing from "tlock"', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const shown = source.replace("from '../src/index.js';", "from 'tlock';");
    expect(shown).not.toBe(source);
    expect(readme).toContain('```ts\n' + shown + '```\n');
  });
});
