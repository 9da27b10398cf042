import { describe, expect, it } from 'vitest';
import {
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignature,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from '../../src/index.js';
import { hex, toHexString } from '../support/vectors.js';
import { expectTlockError } from '../support/tlock-error.js';

describe('node-key signature encoding', () => {
  it('writes only set fields, in key order', () => {
    const nks: NodeKeySignature = {
      sigKind: SigKind.Direct,
      pubkey: hex('6e70' + '11'.repeat(32)),
      keyID: hex('22'.repeat(32)),
    };
    expect(toHexString(encodeNodeKeySignature(nks))).toBe(
      'a3 0101 025822 6e70'.replace(/ /g, '') + '11'.repeat(32) + '035820' + '22'.repeat(32),
    );
  });

  it('leaves an empty wrapping key out (never 0x40 or 32 zero bytes)', () => {
    const nks: NodeKeySignature = { sigKind: SigKind.Direct, wrappingPubkey: new Uint8Array(0) };
    expect(toHexString(encodeNodeKeySignature(nks))).toBe('a10101');
  });

  it('nests a rotation inside key 5 and round-trips', () => {
    const inner: NodeKeySignature = {
      sigKind: 1,
      pubkey: hex('6e70' + '01'.repeat(32)),
      keyID: hex('02'.repeat(32)),
      signature: hex('03'.repeat(64)),
      wrappingPubkey: hex('04'.repeat(32)),
    };
    const outer: NodeKeySignature = {
      sigKind: 2,
      pubkey: hex('6e70' + '05'.repeat(32)),
      signature: hex('06'.repeat(64)),
      nested: inner,
    };
    const bytes = encodeNodeKeySignature(outer);
    expect(decodeNodeKeySignature(bytes)).toEqual(outer);
    expect(encodeNodeKeySignature(decodeNodeKeySignature(bytes))).toEqual(bytes);
  });

  it('sig-hash leaves out this level’s signature only', () => {
    const inner: NodeKeySignature = { sigKind: 1, keyID: hex('02'), signature: hex('03') };
    const a: NodeKeySignature = { sigKind: 2, nested: inner, signature: hex('aa') };
    const b: NodeKeySignature = { sigKind: 2, nested: inner, signature: hex('bb') };
    const c: NodeKeySignature = {
      sigKind: 2,
      nested: { ...inner, signature: hex('04') },
      signature: hex('aa'),
    };
    expect(nodeKeySignatureSigHash(a)).toEqual(nodeKeySignatureSigHash(b));
    expect(nodeKeySignatureSigHash(a)).not.toEqual(nodeKeySignatureSigHash(c));
    expect(nodeKeySignatureSigHash(a)).toHaveLength(32);
  });

  it('decodes null fields as absent and a top-level null as an invalid signature', () => {
    expect(decodeNodeKeySignature(hex('a3 0101 02f6 05f6'))).toEqual({ sigKind: 1 });
    expect(decodeNodeKeySignature(hex('f6'))).toEqual({ sigKind: 0 });
  });

  it('refuses malformed input with DECODE', () => {
    for (const h of ['', 'a2 0101 0101', 'a1 01 190100', 'a1 01 01 00', 'c0 a0', 'a1 0101 ff']) {
      expectTlockError(() => decodeNodeKeySignature(hex(h)), 'DECODE');
    }
  });
});
