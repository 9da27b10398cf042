import { describe, expect, it } from 'vitest';
import { disablementKDF } from '../../src/index.js';
import { expectTlockError } from '../support/tlock-error.js';
import { toHexString } from '../support/vectors.js';

describe('disablementKDF (docs/FORMAT.md §7: Argon2i, t=4, m=16 MiB, p=4)', () => {
  it('matches the reference value for 32 × 0xa5', async () => {
    const out = await disablementKDF(new Uint8Array(32).fill(0xa5));
    expect(toHexString(out)).toBe('c3fea8a0d70ede2555990ca60d70a8a03cbe627d2c9f3cb0e2ba7093d0884e2f');
  });
  it('refuses a non-bytes secret with INVALID_ARGUMENT', async () => {
    await expectTlockError(disablementKDF('secret' as unknown as Uint8Array), 'INVALID_ARGUMENT', /secret/);
  });
});
