import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  encodeBase64,
  formatNodeKey,
  formatTLPrivate,
  formatTLPublic,
  hashFromBase32,
  hashToBase32,
  nodeKeyFromBinary,
  nodeKeyToBinary,
  parseNodeKey,
  parseTLPrivate,
  parseTLPublic,
} from '../../src/index.js';
import { hex } from '../support/vectors.js';
import { expectTlockError } from '../support/tlock-error.js';

describe('AUM hash text (base32, upper case, no padding)', () => {
  it('round-trips and matches RFC 4648', () => {
    const h = new Uint8Array(32).map((_, i) => i * 7);
    const text = hashToBase32(h);
    expect(text).toHaveLength(52);
    expect(text).toBe(rfc4648(h));
    expect(hashFromBase32(text)).toEqual(h);
  });
  it('all zeros is 52 A', () => {
    expect(hashToBase32(new Uint8Array(32))).toBe('A'.repeat(52));
  });
  it('refuses lower case, padding, wrong lengths and non-zero unused bits', () => {
    const text = hashToBase32(new Uint8Array(32).fill(0xab));
    expectTlockError(() => hashFromBase32(text.toLowerCase()), 'DECODE');
    expectTlockError(() => hashFromBase32(text + '===='), 'DECODE');
    expectTlockError(() => hashFromBase32(text.slice(1)), 'DECODE');
    expectTlockError(() => hashFromBase32('A'.repeat(51) + 'B'), 'DECODE');
    expectTlockError(() => hashToBase32(new Uint8Array(31)), 'INVALID_ARGUMENT');
  });
});

function rfc4648(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  while (bits.length % 5) bits += '0';
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

describe('key texts', () => {
  const k = hex('00df' + 'b4'.repeat(30));
  it('tlpub: is written and tlpub:/nlpub: are read, hex in either case', () => {
    expect(formatTLPublic(k)).toBe('tlpub:00df' + 'b4'.repeat(30));
    expect(parseTLPublic(formatTLPublic(k))).toEqual(k);
    expect(parseTLPublic('nlpub:00DF' + 'B4'.repeat(30))).toEqual(k);
  });
  it('nodekey: round-trips', () => {
    expect(parseNodeKey(formatNodeKey(k))).toEqual(k);
  });
  it('nlpriv: carries 64 bytes', () => {
    const priv = new Uint8Array(64).fill(3);
    expect(formatTLPrivate(priv)).toBe('nlpriv:' + '03'.repeat(64));
    expect(parseTLPrivate(formatTLPrivate(priv))).toEqual(priv);
  });
  it('refuses wrong prefixes, lengths and characters with DECODE', () => {
    expectTlockError(() => parseTLPublic('nodekey:' + '00'.repeat(32)), 'DECODE');
    expectTlockError(() => parseTLPublic('tlpub:' + '00'.repeat(31)), 'DECODE');
    expectTlockError(() => parseTLPublic('tlpub:' + 'zz'.repeat(32)), 'DECODE');
    expectTlockError(() => parseTLPublic('TLPUB:' + '00'.repeat(32)), 'DECODE');
    expectTlockError(() => parseNodeKey('tlpub:' + '00'.repeat(32)), 'DECODE');
    expectTlockError(() => parseTLPrivate('tlpriv:' + '00'.repeat(64)), 'DECODE');
    expectTlockError(() => parseNodeKey(42 as unknown as string), 'INVALID_ARGUMENT');
  });
  it('binary node keys are "np" + 32 bytes', () => {
    const bin = nodeKeyToBinary(k);
    expect(Buffer.from(bin.subarray(0, 2)).toString()).toBe('np');
    expect(nodeKeyFromBinary(bin)).toEqual(k);
    expect(nodeKeyFromBinary(bin.subarray(0, 33))).toBeUndefined();
    expect(nodeKeyFromBinary(hex('6e71' + '00'.repeat(32)))).toBeUndefined();
  });
});

describe('base64 as Go reads it', () => {
  it('padded round trip', () => {
    for (let n = 0; n < 8; n++) {
      const b = new Uint8Array(n).map((_, i) => i * 37);
      expect(decodeBase64(encodeBase64(b), 'x')).toEqual(b);
      expect(decodeBase64(encodeBase64(b, false), 'x', false)).toEqual(b);
    }
  });
  it('refuses bad characters, bad padding and truncation', () => {
    expectTlockError(() => decodeBase64('AB-_', 'x'), 'DECODE');
    expectTlockError(() => decodeBase64('ABC', 'x'), 'DECODE');
    expectTlockError(() => decodeBase64('AB==', 'x', false), 'DECODE');
    expectTlockError(() => decodeBase64('A', 'x', false), 'DECODE');
    expectTlockError(() => decodeBase64('A===', 'x'), 'DECODE');
  });
  it('ignores unused low bits and line breaks, as Go does', () => {
    expect(decodeBase64('AB==', 'x')).toEqual(new Uint8Array([0]));
    expect(decodeBase64('AA\r\nAA', 'x')).toEqual(new Uint8Array([0, 0, 0]));
  });
});
