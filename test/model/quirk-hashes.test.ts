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
import { hex } from '../vectors.js';

// Inputs that decode to something other than their own bytes (Go's decoding quirks): their
// hashes must be those of the re-encoding, whatever shortcut the hashing takes.
const AUMS = [
  'a3 0103 02f6 07a2 6161 6178 6162 f6', // null meta value repeats the previous one
  'a3 0103 02f6 07a1 f6 6162', // null meta key in the first pair is ""
  'a2 01e3 02f6', // simple value as messageKind
  'a3 0105 02f6 05a4 01f6 02f6 03f6 04f8ff', // two-byte simple value as a state ID
  'a3 0103 02f6 04 83 e0 e5 f8ff', // simple values as bytes
  'a3 0103 02f6 1b8000000000000001 00', // unknown key of 2^63 and more
  'a3 6131 02 02f6 04420102', // text key "1"
  'a3 1801 1802 02f6 04 590002 0102', // non-minimal heads
  'a3 04420102 0102 02f6', // keys out of order
];

describe('hashes of inputs that are not canonical', () => {
  for (const h of AUMS) {
    it(h, () => {
      const aum = decodeAUM(hex(h));
      expect(aumHash(aum)).toEqual(blake2s256(encodeAUM(aum)));
      expect(encodeAUM(aum)).not.toEqual(hex(h));
    });
  }
  it('a node-key signature with a simple-value kind', () => {
    const nks = decodeNodeKeySignature(hex('a2 01e1 0341 05'));
    const unsigned = { ...nks };
    delete unsigned.signature;
    expect(nodeKeySignatureSigHash(nks)).toEqual(blake2s256(encodeNodeKeySignature(unsigned)));
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
