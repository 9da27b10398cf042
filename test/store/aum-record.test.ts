import { describe, expect, it } from 'vitest';
import { decodeAUM } from '../../src/model/aum.js';
import { decodeAumRecord, encodeAumRecord, recordIsLive } from '../../src/store/aum-record.js';
import { hex, loadVectors, toHexString } from '../support/vectors.js';
import { expectTlockError } from '../support/tlock-error.js';

interface RecordVectors {
  aums: Record<string, string>;
  hashes: Record<string, string>;
  records: { name: string; aum: string | null; createdUnix: string; purgedUnix: string; hex: string }[];
  legacy: {
    name: string;
    hex: string;
    aum: string | null;
    createdUnix: string;
    purgedUnix: string;
    canonical: string;
  }[];
  refused: { name: string; hex: string }[];
}
const vectors = loadVectors<RecordVectors>('aum-record-golden.json');
const aumOf = (key: string | null) => (key === null ? undefined : decodeAUM(hex(vectors.aums[key]!)));

describe('AUM file records (docs/FORMAT.md §8)', () => {
  for (const v of vectors.records) {
    const record = {
      aum: aumOf(v.aum),
      createdUnix: BigInt(v.createdUnix),
      purgedUnix: BigInt(v.purgedUnix),
    };
    it(`encodes ${v.name} byte for byte`, () => {
      expect(toHexString(encodeAumRecord(record))).toBe(v.hex);
    });
    it(`decodes ${v.name}`, () => {
      expect(decodeAumRecord(hex(v.hex))).toEqual(record);
    });
  }

  for (const v of vectors.legacy) {
    it(`reads ${v.name}, and rewrites it canonically without key 1`, () => {
      const record = decodeAumRecord(hex(v.hex));
      expect(record).toEqual({
        aum: aumOf(v.aum),
        createdUnix: BigInt(v.createdUnix),
        purgedUnix: BigInt(v.purgedUnix),
      });
      expect(toHexString(encodeAumRecord(record))).toBe(v.canonical);
    });
  }

  for (const v of vectors.refused) {
    it(`refuses ${v.name} with DECODE`, () => {
      expectTlockError(() => decodeAumRecord(hex(v.hex)), 'DECODE');
    });
  }

  it('counts a record as live only with an AUM and no positive PurgedUnix, as tailscaled does', () => {
    const aum = aumOf('A');
    expect(recordIsLive({ aum, createdUnix: 1n, purgedUnix: 0n })).toBe(true);
    expect(recordIsLive({ aum, createdUnix: 1n, purgedUnix: -5n })).toBe(true);
    expect(recordIsLive({ aum, createdUnix: 1n, purgedUnix: 1n })).toBe(false);
    expect(recordIsLive({ aum: undefined, createdUnix: 1n, purgedUnix: 0n })).toBe(false);
  });

  it('refuses to encode times outside int64 with INVALID_ARGUMENT', () => {
    const aum = aumOf('A');
    for (const createdUnix of [1n << 63n, -(1n << 63n) - 1n]) {
      expectTlockError(() => encodeAumRecord({ aum, createdUnix, purgedUnix: 0n }), 'INVALID_ARGUMENT');
    }
  });
});
