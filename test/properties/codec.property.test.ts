import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  TlockError,
  decodeAUM,
  decodeNodeKeySignature,
  encodeAUM,
  encodeNodeKeySignature,
} from '../../src/index.js';
import { aumArb, nksArb } from '../arbitraries.js';

function onlyTlockErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TlockError)) throw e;
    expect(e.code).toBe('DECODE');
  }
}

/** Flips, inserts, deletes or overwrites a few bytes. */
const mutated = (source: fc.Arbitrary<Uint8Array>) =>
  fc
    .tuple(
      source,
      fc.array(fc.tuple(fc.nat(3), fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
    )
    .map(([bytes, edits]) => {
      let b = Array.from(bytes);
      for (const [op, pos, value] of edits) {
        const i = b.length === 0 ? 0 : pos % b.length;
        if (op === 0) b[i] = value;
        else if (op === 1) b.splice(i, 0, value);
        else if (op === 2) b.splice(i, 1);
        else b = b.slice(0, i);
      }
      return new Uint8Array(b);
    });

describe('codec properties', () => {
  it('AUM: decode(encode(x)) is x, and encode(decode(b)) is b on canonical bytes', () => {
    fc.assert(
      fc.property(aumArb, (aum) => {
        const bytes = encodeAUM(aum);
        const back = decodeAUM(bytes);
        expect(back).toEqual(aum);
        expect(encodeAUM(back)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('NodeKeySignature: decode(encode(x)) is x', () => {
    fc.assert(
      fc.property(nksArb, (nks) => {
        const bytes = encodeNodeKeySignature(nks);
        expect(decodeNodeKeySignature(bytes)).toEqual(nks);
        expect(encodeNodeKeySignature(decodeNodeKeySignature(bytes))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('decoding random bytes throws nothing but TlockError DECODE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyTlockErrors(() => decodeAUM(bytes));
        onlyTlockErrors(() => decodeNodeKeySignature(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('decoding mutated valid encodings throws nothing but TlockError DECODE, and what decodes re-encodes', () => {
    fc.assert(
      fc.property(mutated(aumArb.map(encodeAUM)), (bytes) => {
        onlyTlockErrors(() => encodeAUM(decodeAUM(bytes)));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(mutated(nksArb.map(encodeNodeKeySignature)), (bytes) => {
        onlyTlockErrors(() => encodeNodeKeySignature(decodeNodeKeySignature(bytes)));
      }),
      { numRuns: 2000 },
    );
  });

  it('re-encoding is idempotent: whatever decodes, its encoding decodes to the same value', () => {
    fc.assert(
      fc.property(mutated(aumArb.map(encodeAUM)), (bytes) => {
        let aum;
        try {
          aum = decodeAUM(bytes);
        } catch {
          return;
        }
        const once = encodeAUM(aum);
        expect(encodeAUM(decodeAUM(once))).toEqual(once);
      }),
      { numRuns: 2000 },
    );
  });
});
