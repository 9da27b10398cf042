import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type AUM,
  AUMKind,
  TlockError,
  aumHash,
  decodeAUM,
  decodeNodeKeySignature,
  encodeAUM,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
  type NodeKeySignature,
} from '../../src/index.js';
import { isCanonicalAUM, isCanonicalNKS } from '../../src/model/canonical-bytes.js';
import { readAUMHashed } from '../../src/model/aum.js';
import { decodeNodeKeySignatureForVerify } from '../../src/model/nks.js';
import { decodeAumRecordHashed, encodeAumRecord } from '../../src/store/aum-record.js';
import { parseCbor } from '../../src/wire/cbor.js';
import { aumArb, nksArb } from '../arbitraries.js';
import { hex, toHexString } from '../support/vectors.js';
import { editsArb, variantOf } from './cbor-variants.js';

/** Decodes, or returns undefined for input the decoder refuses (with DECODE, as it must). */
function tryDecode<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (e) {
    if (!(e instanceof TlockError)) throw e;
    expect(e.code).toBe('DECODE');
    return undefined;
  }
}

function levels(nks: NodeKeySignature): NodeKeySignature[] {
  const out: NodeKeySignature[] = [];
  for (let s: NodeKeySignature | undefined = nks; s !== undefined; s = s.nested) out.push(s);
  return out;
}

describe('canonical bytes: hashing what was decoded without re-encoding it', () => {
  it('every AUM encoding we write is recognised as canonical, and its raw hash is aumHash', () => {
    fc.assert(
      fc.property(aumArb, (aum) => {
        const bytes = encodeAUM(aum);
        const item = parseCbor(bytes);
        expect(isCanonicalAUM(item)).toBe(true);
        expect(readAUMHashed(bytes, item).hash).toEqual(aumHash(aum));
      }),
      { numRuns: 300 },
    );
  });

  it('every node-key signature we write is recognised as canonical', () => {
    fc.assert(
      fc.property(nksArb, (nks) => {
        expect(isCanonicalNKS(parseCbor(encodeNodeKeySignature(nks)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('AUM: on re-written encodings, "canonical" holds exactly when re-encoding gives the same bytes, and the hash is always aumHash of what decoded', () => {
    let canonical = 0;
    let other = 0;
    fc.assert(
      fc.property(aumArb, editsArb, (aum, edits) => {
        const bytes = variantOf(encodeAUM(aum), edits);
        const decoded = tryDecode(() => decodeAUM(bytes));
        if (decoded === undefined) return;
        const item = parseCbor(bytes);
        const same = toHexString(encodeAUM(decoded)) === toHexString(bytes);
        expect(isCanonicalAUM(item)).toBe(same);
        expect(readAUMHashed(bytes, item).hash).toEqual(aumHash(decoded));
        if (same) canonical++;
        else other++;
      }),
      { numRuns: 1500 },
    );
    // Both sides of the shortcut were exercised.
    expect(canonical).toBeGreaterThan(50);
    expect(other).toBeGreaterThan(50);
  });

  it('node-key signature: "canonical" holds exactly when re-encoding gives the same bytes, and every level’s sig-hash is nodeKeySignatureSigHash of what decoded', () => {
    let canonical = 0;
    let other = 0;
    fc.assert(
      fc.property(nksArb, editsArb, (nks, edits) => {
        const bytes = variantOf(encodeNodeKeySignature(nks), edits);
        const decoded = tryDecode(() => decodeNodeKeySignature(bytes));
        if (decoded === undefined) return;
        const same = toHexString(encodeNodeKeySignature(decoded)) === toHexString(bytes);
        expect(isCanonicalNKS(parseCbor(bytes))).toBe(same);
        const forVerify = decodeNodeKeySignatureForVerify(bytes);
        expect(forVerify.nks).toEqual(decoded);
        levels(decoded).forEach((level, depth) => {
          expect(forVerify.sigHash(depth)).toEqual(nodeKeySignatureSigHash(level));
        });
        if (same) canonical++;
        else other++;
      }),
      { numRuns: 1500 },
    );
    expect(canonical).toBeGreaterThan(50);
    expect(other).toBeGreaterThan(50);
  });

  it('AUM files: the record’s AUM hash is aumHash of the AUM it holds, canonical or not', () => {
    fc.assert(
      fc.property(aumArb, editsArb, (aum, edits) => {
        const file = encodeAumRecord({ aum, createdUnix: 1700000000n, purgedUnix: 0n });
        const bytes = variantOf(file, edits);
        const decoded = tryDecode(() => decodeAumRecordHashed(bytes));
        if (decoded === undefined) return;
        if (decoded.record.aum === undefined) expect(decoded.aumHash).toBeUndefined();
        else expect(decoded.aumHash).toEqual(aumHash(decoded.record.aum));
      }),
      { numRuns: 800 },
    );
  });

  it('refuses the shortcut for each kind of non-canonical input (hand-picked)', () => {
    const aum: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: new Uint8Array(32).fill(1) };
    const canonical = encodeAUM(aum); // a2 01 03 02 58 20 …
    expect(isCanonicalAUM(parseCbor(canonical))).toBe(true);
    const variants: [string, string][] = [
      ['a2 01 03 02 5820' + '01'.repeat(32), 'the canonical bytes (control)'],
      ['a2 18 01 03 02 5820' + '01'.repeat(32), 'a key in a two-byte head'],
      ['a2 01 1803 02 5820' + '01'.repeat(32), 'a value in a two-byte head'],
      ['b8 02 01 03 02 5820' + '01'.repeat(32), 'the map count in a two-byte head'],
      ['a2 02 5820' + '01'.repeat(32) + ' 01 03', 'keys out of order'],
      ['a2 6131 03 02 5820' + '01'.repeat(32), 'the text key "1"'],
      ['a3 01 03 02 5820' + '01'.repeat(32) + ' 1863 00', 'an unknown key'],
      ['a3 01 03 02 5820' + '01'.repeat(32) + ' 04 40', 'an empty keyID'],
      ['a3 01 03 02 5820' + '01'.repeat(32) + ' 17 80', 'an empty signature list'],
      ['a2 01 03 02 f7', 'undefined for null'],
      ['a1 02 5820' + '01'.repeat(32), 'messageKind missing (decodes as 0)'],
    ];
    for (const [h, why] of variants) {
      const bytes = hex(h);
      const decoded = decodeAUM(bytes);
      const same = toHexString(encodeAUM(decoded)) === toHexString(bytes);
      expect(isCanonicalAUM(parseCbor(bytes)), why).toBe(same);
      expect(same, why).toBe(why.endsWith('(control)'));
      expect(readAUMHashed(bytes, parseCbor(bytes)).hash, why).toEqual(aumHash(decoded));
    }
  });
});
