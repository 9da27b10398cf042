import { describe, expect, it } from 'vitest';
import { nodeKeyAuthorizedInState } from '../../src/signing/node-key-authorization.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import {
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignature,
  encodeNodeKeySignature,
} from '../../src/model/nks.js';
import { createCredential, signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { resignNodeKey, trimRotationChain } from '../../src/signing/rotation.js';
import { nodeKeyToBinary } from '../../src/wire/keytext.js';
import { newNodeKey, signedBytes, stateTrusting } from '../nks-fixtures.js';
import { expectTlockError } from '../support/tlock-error.js';

// Mirrors tka/sig_test.go TestResignNKS: a direct signature for the original node key, with the
// node's own TL key as wrapping key, then rotations for nodeKeys[0..].
const admin = generateSigningKey();
const nodeTL = generateSigningKey();
const state = stateTrusting(admin);
const orig = newNodeKey();
const nodeKeys = Array.from({ length: 20 }, newNodeKey);
const directBytes = signNodeKey(admin, orig, { wrappingPubkey: nodeTL.publicKey });

function chain(n: number): Uint8Array {
  let sig = directBytes;
  for (let i = 0; i < n; i++) sig = resignNodeKey(nodeTL, nodeKeys[i]!, sig);
  return sig;
}

function levels(nks: NodeKeySignature): NodeKeySignature[] {
  const out: NodeKeySignature[] = [];
  for (let s: NodeKeySignature | undefined = nks; s !== undefined; s = s.nested) out.push(s);
  return out;
}

const keysOf = (nks: NodeKeySignature): Uint8Array[] => levels(nks).map((s) => s.pubkey!.slice(2));

describe('resignNodeKey (Rotation)', () => {
  it('returns the old signature unchanged when it already covers the key', () => {
    expect(resignNodeKey(nodeTL, orig, directBytes)).toEqual(directBytes);
    const two = chain(2);
    expect(resignNodeKey(nodeTL, nodeKeys[1]!, two)).toEqual(two);
  });

  it('first rotation: {kind 2, np‖new, nested: the old signature as it was}, signed by the node key', () => {
    const nk = newNodeKey();
    const bytes = resignNodeKey(nodeTL, nk, directBytes);
    const nks = decodeNodeKeySignature(bytes);
    expect(Object.keys(nks).sort()).toEqual(['nested', 'pubkey', 'sigKind', 'signature']);
    expect(nks.sigKind).toBe(SigKind.Rotation);
    expect(nks.pubkey).toEqual(nodeKeyToBinary(nk));
    expect(encodeNodeKeySignature(nks.nested!)).toEqual(directBytes);
    // Deterministic: the same inputs give the same bytes.
    expect(resignNodeKey(nodeTL, nk, directBytes)).toEqual(bytes);
    const auth = nodeKeyAuthorizedInState(state, nk, bytes);
    expect(auth.prevNodeKeys).toEqual([orig]);
  });

  it('an old signature of 15 keys is wrapped as is (16 keys, 16 levels)', () => {
    const old = chain(14);
    expect(levels(decodeNodeKeySignature(old))).toHaveLength(15);
    const nk = newNodeKey();
    const nks = decodeNodeKeySignature(resignNodeKey(nodeTL, nk, old));
    expect(levels(nks)).toHaveLength(16);
    expect(encodeNodeKeySignature(nks.nested!)).toEqual(old);
    expect(keysOf(nks)).toEqual([nk, ...nodeKeys.slice(0, 14).reverse(), orig]);
    const auth = nodeKeyAuthorizedInState(state, nk, encodeNodeKeySignature(nks));
    expect(auth.prevNodeKeys).toHaveLength(15);
  });

  it('an old signature of 16 keys is rebuilt: 14 newest keys over the original direct signature (Go bytes)', () => {
    const old = chain(15); // as TestResignNKS "truncate-chain": mkSig(0, …, 14)
    expect(levels(decodeNodeKeySignature(old))).toHaveLength(16);
    const nk = newNodeKey();
    const bytes = resignNodeKey(nodeTL, nk, old);
    const nks = decodeNodeKeySignature(bytes);
    const ls = levels(nks);
    expect(ls).toHaveLength(16);
    expect(
      ls.slice(0, 15).every((l) => l.sigKind === SigKind.Rotation && l.wrappingPubkey === undefined),
    ).toBe(true);
    expect(encodeNodeKeySignature(ls[15]!)).toEqual(directBytes); // innermost preserved byte for byte
    expect(keysOf(nks)).toEqual([nk, ...nodeKeys.slice(1, 15).reverse(), orig]); // nodeKeys[0] dropped
    const auth = nodeKeyAuthorizedInState(state, nk, bytes);
    expect(auth.prevNodeKeys).toEqual([...nodeKeys.slice(1, 15).reverse(), orig]);
    expect(auth.initialSig).toEqual(decodeNodeKeySignature(directBytes));

    // Rebuilt independently, as Tailscale's maybeTrimRotationSignatureChain does it.
    let expected: NodeKeySignature = decodeNodeKeySignature(directBytes);
    for (let i = 1; i <= 14; i++) {
      const layer: NodeKeySignature = {
        sigKind: SigKind.Rotation,
        pubkey: nodeKeyToBinary(nodeKeys[i]!),
        nested: expected,
      };
      signedBytes(nodeTL, layer);
      expected = layer;
    }
    expect(bytes).toEqual(
      signedBytes(nodeTL, { sigKind: SigKind.Rotation, pubkey: nodeKeyToBinary(nk), nested: expected }),
    );
    // And the next rotation trims again, staying at 16 keys.
    const next = decodeNodeKeySignature(resignNodeKey(nodeTL, newNodeKey(), bytes));
    expect(levels(next)).toHaveLength(16);
    expect(encodeNodeKeySignature(levels(next)[15]!)).toEqual(directBytes);
  });

  it('a chain of 17 keys (not decodable, built in memory) is trimmed to 15', () => {
    // Old layers' signatures do not matter to trimming (and 17 levels cannot even be hashed).
    let sig = decodeNodeKeySignature(directBytes);
    for (let i = 0; i < 16; i++) {
      sig = {
        sigKind: SigKind.Rotation,
        pubkey: nodeKeyToBinary(nodeKeys[i]!),
        nested: sig,
        signature: new Uint8Array(64),
      };
    }
    expect(levels(sig)).toHaveLength(17);
    const trimmed = trimRotationChain(sig, nodeTL);
    expect(levels(trimmed)).toHaveLength(15);
    expect(keysOf(trimmed)).toEqual([...nodeKeys.slice(2, 16).reverse(), orig]);
    expect(encodeNodeKeySignature(levels(trimmed)[14]!)).toEqual(directBytes);
    const auth = nodeKeyAuthorizedInState(state, nodeKeys[15]!, encodeNodeKeySignature(trimmed));
    expect(auth.prevNodeKeys).toHaveLength(14);
  });

  it('counts only the levels down to the first non-rotation; a credential carries no key', () => {
    const { credential, privateKey } = createCredential(admin);
    const oneTime = { publicKey: privateKey.slice(32), privateKey };
    let sig = signByCredential(privateKey, decodeNodeKeySignature(credential), nodeKeys[0]!);
    for (let i = 1; i < 15; i++) sig = resignNodeKey(oneTime, nodeKeys[i]!, sig);
    // 15 rotation levels over the credential: 16 levels but only 15 keys, so no trim, and one more
    // level would be 17, which no decoder accepts: refused rather than written (Tailscale writes it).
    expect(levels(decodeNodeKeySignature(sig))).toHaveLength(16);
    expect(nodeKeyAuthorizedInState(state, nodeKeys[14]!, sig).prevNodeKeys).toHaveLength(14);
    expectTlockError(() => resignNodeKey(oneTime, newNodeKey(), sig), 'LIMIT');
  });

  it('refuses an old signature that does not decode, and bad arguments', () => {
    expectTlockError(
      () => resignNodeKey(nodeTL, newNodeKey(), new Uint8Array([0xa1])),
      'MALFORMED_SIGNATURE',
    );
    const bad: (() => unknown)[] = [
      () => resignNodeKey(nodeTL, orig.subarray(1), directBytes),
      () => resignNodeKey(nodeTL, orig, 'x' as never),
      () => resignNodeKey({} as never, orig, directBytes),
    ];
    for (const f of bad) expectTlockError(f, 'INVALID_ARGUMENT');
  });
});
