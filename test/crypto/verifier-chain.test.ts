import { describe, expect, it } from 'vitest';
import { generateSigningKey, sign, verifiers, verifyZip215 } from '../../src/crypto/ed25519.js';

// vitest.config.ts runs the signature suites twice: with libsodium, and in the "no-sodium"
// project with TLOCK_NO_SODIUM=1 (what users without sodium-native's prebuilt binary get). This
// file runs in both and checks each run really uses the verifier chain it is named for.

describe('the verifier chain of this run', () => {
  it(
    process.env['TLOCK_NO_SODIUM'] === '1' ? 'has no libsodium, and verifies without it' : 'uses libsodium',
    () => {
      const key = generateSigningKey();
      const msg = new Uint8Array([1, 2, 3]);
      const sig = sign(key, msg);
      if (process.env['TLOCK_NO_SODIUM'] === '1') expect(verifiers.sodium).toBeUndefined();
      else expect(verifiers.sodium?.(key.publicKey, msg, sig)).toBe(true);
      expect(verifyZip215(key.publicKey, msg, sig)).toBe(true);
      sig[0]! ^= 1;
      expect(verifyZip215(key.publicKey, msg, sig)).toBe(false);
    },
  );
});
