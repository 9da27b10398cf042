import { describe, expect, it } from 'vitest';
import {
  aumHash,
  decodeAUM,
  decodeNodeKeySignature,
  encodeAUM,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from '../../src/index.js';
import { blake2s256 } from '../../src/crypto/blake2s.js';
import { hex } from '../support/vectors.js';

// Inputs that decode to something other than their own bytes (Go's decoding quirks, docs/FORMAT.md
// §3.2–3.3), each with its canonical re-encoding written out by hand: decoding must read the quirk
// as Go does, and the hash must be that of the re-encoding, whatever shortcut the hashing takes.
const AUMS: [input: string, canonical: string, why: string][] = [
  [
    'a3 0103 02f6 07a2 6161 6178 6162 f6',
    'a3 0103 02f6 07a2 6161 6178 6162 6178',
    'a null meta value repeats the previous one',
  ],
  ['a3 0103 02f6 07a1 f6 6162', 'a3 0103 02f6 07a1 60 6162', 'a null meta key in the first pair is ""'],
  ['a2 01e3 02f6', 'a2 0103 02f6', 'a simple value as messageKind'],
  [
    'a3 0105 02f6 05a4 01f6 02f6 03f6 04f8ff',
    'a3 0105 02f6 05a4 01f6 02f6 03f6 0418ff',
    'a two-byte simple value as a state ID',
  ],
  ['a3 0103 02f6 04 83 e0 e5 f8ff', 'a3 0103 02f6 04 43 0005ff', 'simple values as the bytes of an array'],
  ['a3 0103 02f6 1b8000000000000001 00', 'a2 0103 02f6', 'an unknown key of 2^63 or more is dropped'],
  ['a3 6131 02 02f6 04420102', 'a3 0102 02f6 04420102', 'the text key "1" is field 1'],
  ['a3 1801 1802 02f6 04 590002 0102', 'a3 0102 02f6 04420102', 'non-minimal heads'],
  ['a3 04420102 0102 02f6', 'a3 0102 02f6 04420102', 'keys out of order'],
];

describe('hashes of inputs that are not canonical', () => {
  for (const [input, canonical, why] of AUMS) {
    it(`${why}: ${input}`, () => {
      const aum = decodeAUM(hex(input));
      expect(encodeAUM(aum)).toEqual(hex(canonical));
      expect(aumHash(aum)).toEqual(blake2s256(hex(canonical)));
    });
  }
  it('a node-key signature with a simple-value kind is signed over its canonical form', () => {
    const nks = decodeNodeKeySignature(hex('a3 01e1 0341 05 0441 07'));
    expect(encodeNodeKeySignature(nks)).toEqual(hex('a3 0101 0341 05 0441 07'));
    expect(nodeKeySignatureSigHash(nks)).toEqual(blake2s256(hex('a2 0101 0341 05')));
  });
});

describe('a node-key signature sent in a non-canonical encoding', () => {
  it('verifies as Go does: the signature is over the canonical re-encoding', async () => {
    const { generateSigningKey, signNodeKey, nodeKeyAuthorizedInState } = await import('../../src/index.js');
    const admin = generateSigningKey();
    const nodeKey = generateSigningKey().publicKey;
    const canonical = signNodeKey(admin, nodeKey);
    expect(canonical[0]).toBe(0xa4); // {1: 1, 2: np‖key, 3: keyID, 4: sig}
    expect(canonical[1]).toBe(0x01);
    expect(canonical[2]).toBe(0x01);
    const state = {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32)],
      keys: [{ kind: 1, votes: 1, public: admin.publicKey }],
    };
    for (const kind of [[0x18, 0x01], [0xe1], [0x19, 0x00, 0x01]]) {
      const variant = new Uint8Array([0xa4, 0x01, ...kind, ...canonical.subarray(3)]);
      expect(nodeKeyAuthorizedInState(state, nodeKey, variant).keyID).toEqual(admin.publicKey);
    }
  });
});
