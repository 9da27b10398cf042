import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Cleanup hooks remove thousands of store files; on a loaded 2-core machine that passes 10 s.
    hookTimeout: 60_000,
  },
});
