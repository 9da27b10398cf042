import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A throwaway PostgreSQL cluster for the suites that need one (scripts/pg-cluster.sh).
    globalSetup: ['test/support/postgres-setup.ts'],
    testTimeout: 30_000,
    // Cleanup hooks remove thousands of store files; on a loaded 2-core machine that passes 10 s.
    hookTimeout: 60_000,
  },
});
