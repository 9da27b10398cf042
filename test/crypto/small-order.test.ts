import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ed from '@noble/ed25519';
import { weakPublicKeyReason } from '../../src/index.js';
import { isSmallOrderEncoding, smallOrderEncodings } from '../../src/crypto/small-order.js';
import { hex, toHexString } from '../support/vectors.js';

const P = 2n ** 255n - 19n;

function encode(y: bigint, signBit: boolean): Uint8Array {
  const out = new Uint8Array(32);
  let v = y;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (signBit) out[31]! |= 0x80;
  return out;
}

/** The 8 points of the torsion subgroup: multiples of an order-8 point, found from noble's decoder. */
function torsionPoints(): ed.Point[] {
  const g = ed.Point.fromBytes(hex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));
  const points: ed.Point[] = [ed.Point.ZERO];
  for (let i = 1; i < 8; i++) points.push(points[i - 1]!.add(g));
  return points;
}

/**
 * Every byte string that could decode to a small-order point. Decoding reads y = the low 255
 * bits (any value below 2^255 under ZIP-215) and takes x's sign from the top bit, so an encoding
 * of a point with y-coordinate y0 is y0 or y0 + p (when below 2^255), with either sign bit.
 */
function candidates(): Uint8Array[] {
  const ys = new Set(torsionPoints().map((p) => p.toAffine().y));
  const out: Uint8Array[] = [];
  for (const y of ys) {
    for (const yEnc of [y, y + P]) {
      if (yEnc >= 2n ** 255n) continue;
      out.push(encode(yEnc, false), encode(yEnc, true));
    }
  }
  return out;
}

describe('isSmallOrderEncoding (docs/FORMAT.md §11) against @noble/ed25519 (ZIP-215 decoding)', () => {
  it('the torsion subgroup has 8 points, each of small order, with 5 distinct y values', () => {
    const points = torsionPoints();
    expect(new Set(points.map((p) => toHexString(p.toBytes()))).size).toBe(8);
    for (const p of points) expect(p.isSmallOrder()).toBe(true);
    expect(new Set(points.map((p) => p.toAffine().y)).size).toBe(5);
  });

  it('agrees with weakPublicKeyReason on every candidate encoding, and the table is exactly those noble calls small-order', () => {
    const all = candidates();
    expect(all.length).toBe(14); // 5 y values × 2 signs, plus y + p for y = 0 and y = 1 (the only ones below 19) × 2 signs
    const small = all.filter((c) => weakPublicKeyReason(c) === 'small-order');
    for (const c of all)
      expect(isSmallOrderEncoding(c), toHexString(c)).toBe(weakPublicKeyReason(c) === 'small-order');
    expect(new Set(small.map(toHexString))).toEqual(new Set(smallOrderEncodings().map(toHexString)));
    expect(small.length).toBe(14);
  });

  it('agrees with weakPublicKeyReason on every one-bit change of a table entry', () => {
    for (const e of smallOrderEncodings()) {
      for (let bit = 0; bit < 256; bit++) {
        const c = e.slice();
        c[bit >> 3]! ^= 1 << (bit & 7);
        expect(isSmallOrderEncoding(c), toHexString(c)).toBe(weakPublicKeyReason(c) === 'small-order');
      }
    }
  });

  it('agrees with weakPublicKeyReason on random keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (k) => {
        expect(isSmallOrderEncoding(k)).toBe(weakPublicKeyReason(k) === 'small-order');
      }),
      { numRuns: 300 },
    );
  });

  it('is false for anything but 32 bytes', () => {
    expect(isSmallOrderEncoding(new Uint8Array(31))).toBe(false);
    expect(isSmallOrderEncoding(new Uint8Array(33))).toBe(false);
  });
});
