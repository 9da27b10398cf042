import fc from 'fast-check';
import type { AUM, Key, NodeKeySignature, State } from '../src/index.js';

// fast-check generators for model values in canonical form: values that decode back equal
// after encoding (absent rather than empty optional fields, uint64s as number below 2^53).

const uint64 = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);
const bytes = (max = 40) => fc.uint8Array({ minLength: 0, maxLength: max });
const nonEmptyBytes = (max = 40) => fc.uint8Array({ minLength: 1, maxLength: max });
const text = fc.string({ unit: 'grapheme', maxLength: 8 });
const meta = fc.dictionary(text, text, { minKeys: 1, maxKeys: 4 });

export const keyArb: fc.Arbitrary<Key> = fc.record(
  { kind: fc.integer({ min: 0, max: 255 }), votes: uint64, public: fc.option(bytes(), { nil: null }), meta },
  { requiredKeys: ['kind', 'votes', 'public'] },
);

export const stateArb: fc.Arbitrary<State> = fc.record(
  {
    lastAUMHash: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: null }),
    disablementValues: fc.option(fc.array(fc.option(bytes(), { nil: null }), { maxLength: 3 }), {
      nil: null,
    }),
    keys: fc.option(fc.array(keyArb, { maxLength: 3 }), { nil: null }),
    stateID1: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
    stateID2: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
  },
  { requiredKeys: ['lastAUMHash', 'disablementValues', 'keys'] },
);

export const aumArb: fc.Arbitrary<AUM> = fc.record(
  {
    messageKind: fc.integer({ min: 0, max: 255 }),
    prevAUMHash: fc.option(bytes(), { nil: null }),
    key: keyArb,
    keyID: nonEmptyBytes(),
    state: stateArb,
    votes: uint64,
    meta,
    signatures: fc.array(
      fc.record({ keyID: fc.option(bytes(), { nil: null }), signature: fc.option(bytes(70), { nil: null }) }),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: ['messageKind', 'prevAUMHash'] },
);

const nksFields = {
  sigKind: fc.integer({ min: 0, max: 255 }),
  pubkey: nonEmptyBytes(34),
  keyID: nonEmptyBytes(32),
  signature: nonEmptyBytes(64),
  wrappingPubkey: nonEmptyBytes(32),
};

function nksOfDepth(depth: number): fc.Arbitrary<NodeKeySignature> {
  const flat = fc.record(nksFields, { requiredKeys: ['sigKind'] });
  if (depth === 0) return flat;
  return fc
    .tuple(flat, fc.option(nksOfDepth(depth - 1), { nil: undefined }))
    .map(([n, nested]): NodeKeySignature => (nested === undefined ? n : { ...n, nested }));
}

export const nksArb: fc.Arbitrary<NodeKeySignature> = nksOfDepth(4);
