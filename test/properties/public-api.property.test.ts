import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tlock from '../../src/index.js';

// Bad input to every public function gives a TlockError (or a plain false/undefined answer),
// never a TypeError from deep inside.

const hostile = fc.oneof(
  fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, maxDepth: 3 }),
  fc.record(
    {
      messageKind: fc.anything(),
      prevAUMHash: fc.oneof(fc.constant(null), fc.uint8Array(), fc.anything()),
      key: fc.anything(),
      keyID: fc.anything(),
      state: fc.oneof(
        fc.anything(),
        fc.record({ lastAUMHash: fc.anything(), disablementValues: fc.anything(), keys: fc.anything() }),
      ),
      votes: fc.anything({ withBigInt: true }),
      meta: fc.anything(),
      signatures: fc.anything(),
      sigKind: fc.anything(),
      nested: fc.anything(),
    },
    { requiredKeys: [] },
  ),
);

const unary: [string, (x: never) => unknown][] = [
  ['encodeAUM', tlock.encodeAUM],
  ['decodeAUM', tlock.decodeAUM],
  ['aumHash', tlock.aumHash],
  ['aumSigHash', tlock.aumSigHash],
  ['validateAUM', tlock.validateAUM],
  ['validateKey', tlock.validateKey],
  ['encodeNodeKeySignature', tlock.encodeNodeKeySignature],
  ['decodeNodeKeySignature', tlock.decodeNodeKeySignature],
  ['nodeKeySignatureSigHash', tlock.nodeKeySignatureSigHash],
  ['hashToBase32', tlock.hashToBase32],
  ['hashFromBase32', tlock.hashFromBase32],
  ['formatTLPublic', tlock.formatTLPublic],
  ['parseTLPublic', tlock.parseTLPublic],
  ['formatNodeKey', tlock.formatNodeKey],
  ['parseNodeKey', tlock.parseNodeKey],
  ['parseTLPrivate', tlock.parseTLPrivate],
  ['nodeKeyToBinary', tlock.nodeKeyToBinary],
  ['signingKeyFromPrivate', tlock.signingKeyFromPrivate],
  ['weakPublicKeyReason', tlock.weakPublicKeyReason],
];

describe('public functions refuse hostile input with TlockError only', () => {
  for (const [name, fn] of unary) {
    it(name, () => {
      fc.assert(
        fc.property(hostile, (x) => {
          try {
            fn(x as never);
          } catch (e) {
            if (!(e instanceof tlock.TlockError)) throw e;
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('verifyZip215 / verifyStandard answer false for anything malformed', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        expect(tlock.verifyZip215(a as Uint8Array, new Uint8Array(1), b as Uint8Array)).toBe(false);
        expect(tlock.verifyStandard(a as Uint8Array, new Uint8Array(1), b as Uint8Array)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
