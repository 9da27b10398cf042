import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    // Cleanup hooks remove thousands of store files; on a loaded 2-core machine that passes 10 s.
    hookTimeout: 60_000,
    // Builds dist/ when a test that runs the built code is selected and dist/ is stale; starts a
    // throwaway PostgreSQL cluster for the suites that need one (scripts/pg-cluster.sh).
    globalSetup: ['test/support/global-setup.ts', 'test/support/postgres-setup.ts'],
    setupFiles: ['test/support/each-file.ts'],
  },
});
