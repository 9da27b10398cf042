import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * A throwaway PostgreSQL cluster (scripts/pg-cluster.sh) for the tests' global set-up and the
 * benchmarks: started in a temp directory on a unix socket, stopped and removed by `stop`.
 */

/** pg-cluster.sh, from the sources (vitest) or from dist/scripts/ (the built bench). */
function script(): string {
  for (const candidate of ['./pg-cluster.sh', '../../scripts/pg-cluster.sh']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('scripts/pg-cluster.sh not found');
}

export interface PostgresCluster {
  /** postgres://… of its database `tlock`. */
  url: string;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): void;
}

/**
 * Starts a cluster (about 5-10 s: initdb); throws with the script's output when it cannot.
 * `fsync: false` for tests, which lose nothing when the machine crashes; benchmarks keep it.
 */
export function startPostgresCluster(opts: { fsync: boolean }): PostgresCluster {
  const path = script();
  const r = spawnSync(path, opts.fsync ? ['start'] : ['start', '--no-fsync'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) {
    const why = r.error?.message ?? `${r.stderr}`.trim();
    throw new Error(`cannot start a PostgreSQL cluster for the tests (${path}): ${why}`);
  }
  const [dir, url] = r.stdout.trim().split('\n');
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    spawnSync(path, ['stop', dir!], { encoding: 'utf8', timeout: 60_000 });
  };
  // The cluster goes with this process, however it ends (short of SIGKILL).
  process.once('exit', stop);
  return { url: url!, stop };
}
