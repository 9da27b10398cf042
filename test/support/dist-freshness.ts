import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The TypeScript sources under `dirs` (relative to `root`) whose compiled file in `root/dist` is
 * missing or older than the source: empty when dist/ is up to date for them.
 */
export function staleSources(root: string, dirs: readonly string[]): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const rel = relative(root, path);
        const out = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
        let built: number;
        try {
          built = statSync(out).mtimeMs;
        } catch {
          built = -1;
        }
        if (built < statSync(path).mtimeMs) stale.push(rel);
      }
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return stale;
}
