import fc from 'fast-check';
import { decodeAUM, encodeAUM } from '../../src/model/aum.js';
import { decodeNodeKeySignature, encodeNodeKeySignature } from '../../src/model/nks.js';
import { aumArb, nksArb } from '../../test/arbitraries.js';
import type { FuzzTarget } from '../fuzz-target.js';
import { guarded } from '../fuzz-target.js';
import { mutatedBytes } from '../mutations.js';

/** Random bytes, mutated valid encodings, and deep nesting (arrays or maps opened 17+ times). */
function hostileCbor(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const nested = fc
    .tuple(fc.constantFrom(0x81, 0xa1, 0x9f, 0xbf), fc.integer({ min: 1, max: 100_000 }))
    .map(([open, depth]) => new Uint8Array(depth).fill(open));
  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 6, arbitrary: mutatedBytes(valid) },
    { weight: 1, arbitrary: nested },
  );
}

export const decodeAumTarget: FuzzTarget = {
  name: 'decodeAUM',
  about: 'random bytes, mutated AUM encodings and deep nesting into decodeAUM',
  testRuns: 1500,
  prepare: () =>
    Promise.resolve({
      property: fc.asyncProperty(hostileCbor(aumArb.map(encodeAUM)), async (bytes) => {
        await guarded('decodeAUM', () => decodeAUM(bytes));
      }),
    }),
};

export const decodeNksTarget: FuzzTarget = {
  name: 'decodeNodeKeySignature',
  about: 'random bytes, mutated node-key signature encodings and deep nesting into decodeNodeKeySignature',
  testRuns: 1500,
  prepare: () =>
    Promise.resolve({
      property: fc.asyncProperty(hostileCbor(nksArb.map(encodeNodeKeySignature)), async (bytes) => {
        await guarded('decodeNodeKeySignature', () => decodeNodeKeySignature(bytes));
      }),
    }),
};
