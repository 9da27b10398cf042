import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from '../../scripts/postgres-cluster.js';

/*
 * vitest's global set-up (vitest.config.ts): one throwaway PostgreSQL cluster for the whole run,
 * stopped at the end whatever happened. When it cannot start, the tests that need it fail with
 * the reason (test/support/postgres.ts); they never skip.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { url: string } | { error: string };
  }
}

export default function setup(project: TestProject): () => void {
  try {
    const cluster = startPostgresCluster({ fsync: false });
    project.provide('postgres', { url: cluster.url });
    return () => cluster.stop();
  } catch (e) {
    project.provide('postgres', { error: (e as Error).message });
    return () => undefined;
  }
}
