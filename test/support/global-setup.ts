import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type { TestProject } from 'vitest/node';
import { staleSources } from './dist-freshness.js';

/*
 * Runs once before the suites. Tests that run the built code (the `tlock` binary, worker
 * threads, the examples) live under NEEDS_DIST; when any of them is in this run and dist/ is
 * older than the sources, dist/ is built first, so `npx vitest run` alone always tests the
 * current code. A run without such tests, or with dist/ up to date (as after `npm run build`),
 * builds nothing.
 */
const NEEDS_DIST = ['test/cli/', 'test/pool/', 'examples/'];
const BUILT_SOURCES = ['src', 'cli', 'examples', 'demo'];

export default async function setup(project: TestProject): Promise<void> {
  const root = project.config.root;
  // The file filters given on the command line. Vitest keeps them on an internal field: if it is
  // ever missing, every test file counts as selected (a needless build, never a stale binary).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const specs = await project.vitest.globTestSpecifications(filters);
  const needed = specs.some((s) => NEEDS_DIST.some((dir) => relative(root, s.moduleId).startsWith(dir)));
  if (!needed) return;
  const stale = staleSources(root, BUILT_SOURCES);
  if (stale.length === 0) return;
  process.stderr.write(`global setup: building dist/ (${stale.length} sources changed, e.g. ${stale[0]})\n`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error('global setup: tsc failed; fix the build, then run the tests again');
}
