import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ed from '@noble/ed25519';
import {
  generateSigningKey,
  signingKeyFromPrivate,
  verifyStandard,
  verifyZip215,
  weakPublicKeyReason,
} from '../../src/index.js';
import { sign, verifiers, verifyZip215StrictR } from '../../src/crypto/ed25519.js';
import { randomBytes } from 'node:crypto';
import { SignatureVerifiers, defaultSignatureVerifiers } from '../../src/crypto/signature-verifiers.js';
import { hex, loadVectors } from '../support/vectors.js';
import { expectTlockError } from '../support/tlock-error.js';
import { mixedOrderSignature, withTorsionR } from '../nks-fixtures.js';

interface Speccheck {
  cases: {
    index: number;
    message: string;
    pubKey: string;
    signature: string;
    zip215Path: boolean;
    rotationPath: boolean;
  }[];
}
const speccheck = loadVectors<Speccheck>('ed25519-speccheck.json');

/** A canonical encoding of a point of the prime-order subgroup (not the identity). */
function isPrimeOrder(bytes: Uint8Array): boolean {
  try {
    const p = ed.Point.fromBytes(bytes, false);
    return !p.is0() && p.isTorsionFree();
  } catch {
    return false;
  }
}

describe('the two verification semantics on the ed25519-speccheck cases (docs/FORMAT.md §4.3)', () => {
  for (const c of speccheck.cases) {
    const [pub, msg, sig] = [hex(c.pubKey), hex(c.message), hex(c.signature)];
    it(`case ${c.index}: ZIP-215 path ${c.zip215Path ? 'accepts' : 'rejects'}, rotation path ${c.rotationPath ? 'accepts' : 'rejects'}`, () => {
      expect(verifyZip215(pub, msg, sig)).toBe(c.zip215Path);
      expect(verifyStandard(pub, msg, sig)).toBe(c.rotationPath);
    });
    it(`case ${c.index}: the strict-R check accepts exactly ZIP-215's verdicts with a prime-order R, for prime-order keys`, () => {
      const strict = verifyZip215StrictR(pub, msg, sig);
      if (strict) expect(c.zip215Path).toBe(true);
      if (isPrimeOrder(pub)) expect(strict).toBe(c.zip215Path && isPrimeOrder(sig.subarray(0, 32)));
      else expect(strict).toBe(c.zip215Path);
    });
    it(`case ${c.index}: each exact verifier alone gives the same verdict; fast ones never accept more`, () => {
      expect(verifiers.zip215(pub, msg, sig)).toBe(c.zip215Path);
      expect(verifiers.openssl(pub, msg, sig)).toBe(c.rotationPath);
      if (verifiers.sodium !== undefined && verifiers.sodium(pub, msg, sig)) {
        expect(c.zip215Path && c.rotationPath).toBe(true);
      }
    });
  }

  it('a chain built without libsodium gives every verdict the default chain gives', () => {
    const withoutSodium = new SignatureVerifiers({ sodium: false });
    expect(withoutSodium.sodium).toBeUndefined();
    const defaults = defaultSignatureVerifiers();
    expect(defaults).toBe(defaultSignatureVerifiers()); // built once
    for (const c of speccheck.cases) {
      const [pub, msg, sig] = [hex(c.pubKey), hex(c.message), hex(c.signature)];
      expect(withoutSodium.verifyZip215(pub, msg, sig), `case ${c.index}`).toBe(c.zip215Path);
      expect(withoutSodium.verifyStandard(pub, msg, sig), `case ${c.index}`).toBe(c.rotationPath);
      expect(withoutSodium.verifyZip215StrictR(pub, msg, sig), `case ${c.index}`).toBe(
        defaults.verifyZip215StrictR(pub, msg, sig),
      );
    }
  });

  it('ZIP-215 accepts cases 0-5 and 9-11; the rotation path accepts 0-3 and 11', () => {
    const z = speccheck.cases.filter((c) => c.zip215Path).map((c) => c.index);
    const r = speccheck.cases.filter((c) => c.rotationPath).map((c) => c.index);
    expect(z).toEqual([0, 1, 2, 3, 4, 5, 9, 10, 11]);
    expect(r).toEqual([0, 1, 2, 3, 11]);
  });
});

describe('fast paths agree with the exact verifiers', () => {
  const key = generateSigningKey();
  it('on random messages and tampered signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.nat(511),
        fc.boolean(),
        (msg, bit, tamper) => {
          const sig = sign(key, msg);
          if (tamper) sig[bit >> 3]! ^= 1 << (bit & 7);
          const exactZip = verifiers.zip215(key.publicKey, msg, sig);
          const exactStd = verifiers.openssl(key.publicKey, msg, sig);
          expect(verifyZip215(key.publicKey, msg, sig)).toBe(exactZip);
          expect(verifyStandard(key.publicKey, msg, sig)).toBe(exactStd);
          if (verifiers.sodium !== undefined) {
            const fast = verifiers.sodium(key.publicKey, msg, sig);
            if (fast) expect(exactZip && exactStd).toBe(true);
          }
          expect(exactZip).toBe(!tamper);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('crafted signatures whose R carries a torsion component', () => {
  function mixedOrder(msg: Uint8Array): { pub: Uint8Array; sig: Uint8Array } {
    const key = generateSigningKey();
    return { pub: key.publicKey, sig: mixedOrderSignature(key, msg) };
  }

  it('node-key checks refuse an R with torsion even when ZIP-215 accepts it (docs/DECISIONS.md)', () => {
    for (let i = 0; i < 8; i++) {
      const msg = randomBytes(32);
      const { pub, sig } = mixedOrder(msg);
      expect(verifyZip215(pub, msg, sig)).toBe(true);
      expect(verifyZip215StrictR(pub, msg, sig)).toBe(false);
      // The legitimate twin: the same key's ordinary signature passes both.
      const key = generateSigningKey();
      const honest = sign(key, msg);
      expect(verifyZip215StrictR(key.publicKey, msg, honest)).toBe(true);
      // What a server can do without the key fails everywhere.
      expect(verifyZip215(key.publicKey, msg, withTorsionR(honest))).toBe(false);
      expect(verifyZip215StrictR(key.publicKey, msg, withTorsionR(honest))).toBe(false);
    }
  });

  it('ZIP-215 accepts them, the rotation path and libsodium refuse them, and the chains agree', () => {
    for (let i = 0; i < 8; i++) {
      const msg = randomBytes(32);
      const { pub, sig } = mixedOrder(msg);
      expect(verifiers.zip215(pub, msg, sig)).toBe(true);
      expect(verifiers.openssl(pub, msg, sig)).toBe(false);
      if (verifiers.sodium !== undefined) expect(verifiers.sodium(pub, msg, sig)).toBe(false);
      expect(verifyZip215(pub, msg, sig)).toBe(true);
      expect(verifyStandard(pub, msg, sig)).toBe(false);
      const tampered = sig.slice();
      tampered[40]! ^= 1;
      expect(verifyZip215(pub, msg, tampered)).toBe(false);
    }
  });
});

describe('signing', () => {
  it('is byte-identical to noble (deterministic RFC 8032)', () => {
    for (let i = 0; i < 16; i++) {
      const key = generateSigningKey();
      const msg = new Uint8Array([i, 1, 2, 3]);
      expect(sign(key, msg)).toEqual(ed.sign(msg, key.privateKey.subarray(0, 32)));
    }
  });

  it('generates thousands of distinct keys without hanging (generateKeyPairSync + export deadlocked on Node 20)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(Buffer.from(generateSigningKey().publicKey).toString('hex'));
    expect(seen.size).toBe(5000);
  });

  it('round-trips a 64-byte private key and a 32-byte seed', () => {
    const key = generateSigningKey();
    expect(signingKeyFromPrivate(key.privateKey).publicKey).toEqual(key.publicKey);
    expect(signingKeyFromPrivate(key.privateKey.subarray(0, 32)).publicKey).toEqual(key.publicKey);
  });

  it('refuses a 64-byte private key whose public half does not match', () => {
    const key = generateSigningKey();
    const bad = key.privateKey.slice();
    bad[40]! ^= 1;
    expectTlockError(() => signingKeyFromPrivate(bad), 'INVALID_ARGUMENT', /does not match/);
  });

  it('refuses wrong lengths and types with INVALID_ARGUMENT', () => {
    for (const v of [new Uint8Array(31), new Uint8Array(33), 'nlpriv:00', null]) {
      expectTlockError(() => signingKeyFromPrivate(v as Uint8Array), 'INVALID_ARGUMENT');
    }
  });

  it('never shows the private key when logged or serialised', () => {
    const key = generateSigningKey();
    expect(Object.keys(key)).toEqual(['publicKey']);
    expect(JSON.stringify(key)).not.toContain('privateKey');
  });
});

describe('weak keys (docs/FORMAT.md §11)', () => {
  it('flags all-zero bytes (a small-order point) and the identity', () => {
    expect(weakPublicKeyReason(new Uint8Array(32))).toBe('small-order');
    expect(weakPublicKeyReason(hex('01' + '00'.repeat(31)))).toBe('small-order');
  });
  it('flags bytes that are not a point, and wrong lengths', () => {
    expect(weakPublicKeyReason(hex('02' + '00'.repeat(31)))).toBe('not-a-point');
    expect(weakPublicKeyReason(new Uint8Array(31))).toBe('wrong-length');
  });
  it('accepts a normal key', () => {
    expect(weakPublicKeyReason(generateSigningKey().publicKey)).toBeUndefined();
  });
  it('a small-order key accepts a forged (small-order R, S = 0) signature under ZIP-215', () => {
    const pub = new Uint8Array(32); // order-4 point
    const forged = new Uint8Array(64);
    forged[0] = 1; // R = identity, S = 0
    expect(verifyZip215(pub, new TextEncoder().encode('any message'), forged)).toBe(true);
  });
});
