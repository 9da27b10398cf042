import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const made: string[] = [];

/** A fresh directory under os.tmpdir(); removed by `removeTempDirs`. */
export function makeTempDir(prefix = 'tlock-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Every file under `root` (relative path → hex content), to show that nothing was touched. */
export function dirSnapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        out[`${relative(root, path)}/`] = statSync(path).mode.toString(8);
        walk(path);
      } else if (entry.isSymbolicLink()) {
        // A link is recorded by its target, never followed: it may lead to a device such as
        // /dev/zero, which reads for ever.
        out[relative(root, path)] = `-> ${readlinkSync(path)}`;
      } else {
        out[relative(root, path)] = readFileSync(path).toString('hex');
      }
    }
  };
  walk(root);
  return out;
}
