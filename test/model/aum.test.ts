import { describe, expect, it } from 'vitest';
import {
  type AUM,
  AUMKind,
  aumHash,
  aumSigHash,
  decodeAUM,
  encodeAUM,
  hashToBase32,
  validateAUM,
  verifyZip215,
} from '../../src/index.js';
import { fromBase64, hex, loadVectors, toHexString } from '../support/vectors.js';
import { expectTlockError } from '../support/tlock-error.js';

interface Golden {
  encodings: { name: string; hex: string }[];
  tailscaleGenesis: {
    base64: string;
    disablementValues: string[];
    keys: string[];
    stateID1: string;
    stateID2: string;
    signatureKeyID: string;
    signature: string;
  };
}
const golden = loadVectors<Golden>('aum-golden.json');

// The same AUMs as the golden encodings, in the order of the vector file.
const goldenAUMs: AUM[] = [
  { messageKind: AUMKind.AddKey, prevAUMHash: null, key: { kind: 0, votes: 0, public: null } },
  { messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: hex('0102') },
  { messageKind: AUMKind.UpdateKey, prevAUMHash: null, keyID: hex('0102'), votes: 2, meta: { a: 'b' } },
  {
    messageKind: AUMKind.Checkpoint,
    prevAUMHash: hex('0102'),
    state: {
      lastAUMHash: new Uint8Array(32),
      disablementValues: null,
      keys: [{ kind: 1, votes: 0, public: hex('0506') }],
    },
  },
  { messageKind: AUMKind.AddKey, prevAUMHash: null, signatures: [{ keyID: hex('01'), signature: null }] },
  { messageKind: AUMKind.AddKey, prevAUMHash: null, key: { kind: 1, votes: 1, public: hex('0202') } },
];

describe('AUM golden encodings', () => {
  golden.encodings.forEach((g, i) => {
    it(`encodes ${g.name}`, () => {
      expect(toHexString(encodeAUM(goldenAUMs[i]!))).toBe(g.hex);
    });
    it(`decodes ${g.name} and re-encodes the same bytes`, () => {
      const decoded = decodeAUM(hex(g.hex));
      expect(decoded).toEqual(goldenAUMs[i]);
      expect(toHexString(encodeAUM(decoded))).toBe(g.hex);
    });
  });
});

describe('a genesis AUM encoded by Tailscale', () => {
  const g = golden.tailscaleGenesis;
  const bytes = fromBase64(g.base64);

  it('decodes to the expected fields, with uint64 state IDs exact', () => {
    const aum = decodeAUM(bytes);
    expect(aum.messageKind).toBe(AUMKind.Checkpoint);
    expect(aum.prevAUMHash).toBeNull();
    expect(aum.state!.lastAUMHash).toBeNull();
    expect(aum.state!.disablementValues).toEqual(g.disablementValues.map(fromBase64));
    expect(aum.state!.keys).toEqual(g.keys.map((k) => ({ kind: 1, votes: 1, public: fromBase64(k) })));
    expect(aum.state!.stateID1).toBe(BigInt(g.stateID1));
    expect(aum.state!.stateID2).toBe(BigInt(g.stateID2));
    expect(aum.signatures).toEqual([
      { keyID: fromBase64(g.signatureKeyID), signature: fromBase64(g.signature) },
    ]);
  });

  it('re-encodes byte for byte and passes static validation', () => {
    const aum = decodeAUM(bytes);
    expect(toHexString(encodeAUM(aum))).toBe(toHexString(bytes));
    expect(() => validateAUM(aum)).not.toThrow();
  });

  it('carries a signature that verifies over its sig-hash (ZIP-215)', () => {
    const aum = decodeAUM(bytes);
    const sig = aum.signatures![0]!;
    expect(verifyZip215(sig.keyID!, aumSigHash(aum), sig.signature!)).toBe(true);
    const tampered = { ...aum, state: { ...aum.state!, stateID1: 1n } };
    expect(verifyZip215(sig.keyID!, aumSigHash(tampered), sig.signature!)).toBe(false);
  });

  it('has a 52-character base32 hash', () => {
    expect(hashToBase32(aumHash(decodeAUM(bytes)))).toMatch(/^[A-Z2-7]{52}$/);
  });
});

describe('hashes', () => {
  it('the sig-hash ignores signatures and the hash does not', () => {
    const aum: AUM = {
      messageKind: AUMKind.AddKey,
      prevAUMHash: null,
      key: { kind: 1, votes: 1, public: null },
    };
    const signed: AUM = { ...aum, signatures: [{ keyID: hex('01020304'), signature: null }] };
    expect(aumSigHash(signed)).toEqual(aumSigHash(aum));
    expect(aumHash(signed)).not.toEqual(aumHash(aum));
  });

  it('keeps null and empty apart: different bytes, different hash', () => {
    const a: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: null };
    const b: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: new Uint8Array(0) };
    expect(toHexString(encodeAUM(a))).toBe('a20103' + '02f6');
    expect(toHexString(encodeAUM(b))).toBe('a20103' + '0240');
    expect(aumHash(a)).not.toEqual(aumHash(b));
  });

  it('writes a present votes 0 and leaves absent votes out', () => {
    const base: AUM = { messageKind: AUMKind.UpdateKey, prevAUMHash: null, keyID: hex('01') };
    expect(toHexString(encodeAUM({ ...base, votes: 0 }))).toBe('a4010402f60441010600');
    expect(toHexString(encodeAUM(base))).toBe('a3010402f6044101');
  });

  it('sorts meta keys shorter first, then bytewise ("zz" before "é")', () => {
    const aum: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: null, meta: { é: '1', zz: '2', b: '3' } };
    // b (1 byte), zz (2 bytes), é (2 bytes: c3 a9 > 7a 7a)
    expect(toHexString(encodeAUM(aum))).toBe('a3010302f607a361626133627a7a613262c3a96131');
  });

  it('encodes uint64 values up to 2^64-1 in their shortest form', () => {
    const state = { lastAUMHash: null, disablementValues: null, keys: null };
    const enc = (id: bigint) =>
      toHexString(encodeAUM({ messageKind: 5, prevAUMHash: null, state: { ...state, stateID1: id } }));
    expect(enc(5n)).toContain('0405');
    expect(enc(2n ** 32n)).toContain('041b0000000100000000');
    expect(enc(2n ** 64n - 1n)).toContain('041bffffffffffffffff');
  });
});

describe('encoding refuses values that cannot be encoded, with TlockError', () => {
  const cases: [string, unknown][] = [
    ['messageKind over 255', { messageKind: 256, prevAUMHash: null }],
    ['negative votes', { messageKind: 4, prevAUMHash: null, votes: -1 }],
    ['votes of 2^64', { messageKind: 4, prevAUMHash: null, votes: 2n ** 64n }],
    ['prevAUMHash as a string', { messageKind: 3, prevAUMHash: 'abc' }],
    ['a meta value that is not a string', { messageKind: 3, prevAUMHash: null, meta: { a: 1 } }],
    ['a lone surrogate in meta', { messageKind: 3, prevAUMHash: null, meta: { a: '\ud800' } }],
    [
      'a 31-byte lastAUMHash',
      {
        messageKind: 5,
        prevAUMHash: null,
        state: { lastAUMHash: new Uint8Array(31), disablementValues: null, keys: null },
      },
    ],
    ['null', null],
  ];
  for (const [name, value] of cases) {
    it(name, () => {
      expectTlockError(() => encodeAUM(value as AUM), 'INVALID_ARGUMENT');
    });
  }
});
