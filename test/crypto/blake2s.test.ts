import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake2s256 } from '../../src/crypto/blake2s.js';
import { hex } from '../support/vectors.js';

describe('blake2s256', () => {
  it('is BLAKE2s-256 (RFC 7693 test vector: "abc")', () => {
    expect(blake2s256(new TextEncoder().encode('abc'))).toEqual(
      hex('508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982'),
    );
  });

  it('gives every digest byte exactly, high bytes included (the digest passes through latin1 text)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const want = new Uint8Array(createHash('blake2s256').update(data).digest());
        const got = blake2s256(data);
        expect(got).toBeInstanceOf(Uint8Array);
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('hashes a view of a larger buffer over the view only', () => {
    const whole = new Uint8Array(64).map((_, i) => 200 + (i % 50));
    expect(blake2s256(whole.subarray(10, 40))).toEqual(blake2s256(whole.slice(10, 40)));
  });
});
