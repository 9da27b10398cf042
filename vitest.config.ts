import { defineConfig } from 'vitest/config';

/**
 * The signature suites, run a second time with libsodium disabled (TLOCK_NO_SODIUM=1): users
 * without sodium-native's prebuilt binary get the OpenSSL and noble verifiers only.
 */
const SIGNATURE_SUITES = [
  'test/crypto/ed25519.test.ts',
  'test/crypto/verifier-chain.test.ts',
  'test/crypto/small-order.test.ts',
  'test/signing/*.test.ts',
  'test/model/nks.test.ts',
  'test/authority/node-key-authorized.test.ts',
  'test/attacks/crafted-r.test.ts',
  'test/attacks/forged-aum.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Cleanup hooks remove thousands of store files; on a loaded 2-core machine that passes 10 s.
    hookTimeout: 60_000,
    // Builds dist/ when a test that runs the built code is selected and dist/ is stale; starts a
    // throwaway PostgreSQL cluster for the suites that need one (scripts/pg-cluster.sh).
    globalSetup: ['test/support/global-setup.ts', 'test/support/postgres-setup.ts'],
    setupFiles: ['test/support/each-file.ts'],
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts', 'examples/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'no-sodium', include: SIGNATURE_SUITES, env: { TLOCK_NO_SODIUM: '1' } },
      },
    ],
  },
});
