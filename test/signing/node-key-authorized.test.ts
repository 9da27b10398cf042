import { describe, expect, it } from 'vitest';
import { nodeKeyAuthorizedInState, nodeRotationKey } from '../../src/signing/node-key-authorization.js';
import { generateSigningKey, signingKeyFromPrivate, verifyZip215 } from '../../src/crypto/ed25519.js';
import {
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignature,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from '../../src/model/nks.js';
import { createCredential, signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { resignNodeKey } from '../../src/signing/rotation.js';
import { nodeKeyToBinary } from '../../src/wire/keytext.js';
import {
  mixedOrderSignature,
  newNodeKey,
  signedBytes,
  stateTrusting,
  withTorsionR,
} from '../nks-fixtures.js';
import { expectRefused } from './refusal.js';

const admin = generateSigningKey();
const other = generateSigningKey();
const nodeTL = generateSigningKey(); // the node's own TL key: signs its rotations
const state = stateTrusting(admin);

describe('nodeKeyAuthorizedInState: what each signature kind authorises', () => {
  it('a Direct signature: its key ID, no rotation details', () => {
    const nk = newNodeKey();
    const auth = nodeKeyAuthorizedInState(state, nk, signNodeKey(admin, nk));
    expect(auth.keyID).toEqual(admin.publicKey);
    expect(auth.prevNodeKeys).toEqual([]);
    expect(auth.initialSig).toBeUndefined();
  });

  it('a Rotation: previous node keys newest first, and the initial signature', () => {
    const [k1, k2, k3] = [newNodeKey(), newNodeKey(), newNodeKey()];
    const direct = signNodeKey(admin, k1, { wrappingPubkey: nodeTL.publicKey });
    const r2 = resignNodeKey(nodeTL, k2, direct);
    const r3 = resignNodeKey(nodeTL, k3, r2);
    const auth = nodeKeyAuthorizedInState(state, k3, r3);
    expect(auth.keyID).toEqual(admin.publicKey);
    expect(auth.prevNodeKeys).toEqual([k2, k1]);
    expect(auth.initialSig).toEqual(decodeNodeKeySignature(direct));
    // The older links still authorise their own keys.
    expect(nodeKeyAuthorizedInState(state, k2, r2).prevNodeKeys).toEqual([k1]);
  });

  it('a Rotation over a Credential (a pre-signed auth key): keyID of the credential signer', () => {
    const nk = newNodeKey();
    const { credential, privateKey } = createCredential(admin);
    const cred = decodeNodeKeySignature(credential);
    const auth = nodeKeyAuthorizedInState(state, nk, signByCredential(privateKey, cred, nk));
    expect(auth.keyID).toEqual(admin.publicKey);
    expect(auth.prevNodeKeys).toEqual([]); // the credential carries no node key
    expect(auth.initialSig).toEqual(cred);
  });

  it('an intermediate rotation may carry its own wrapping key, which signs the next level', () => {
    const [k1, k2, k3] = [newNodeKey(), newNodeKey(), newNodeKey()];
    const second = generateSigningKey();
    const direct = decodeNodeKeySignature(signNodeKey(admin, k1, { wrappingPubkey: nodeTL.publicKey }));
    const mid: NodeKeySignature = {
      sigKind: SigKind.Rotation,
      pubkey: nodeKeyToBinary(k2),
      nested: direct,
      wrappingPubkey: second.publicKey,
    };
    signedBytes(nodeTL, mid); // sets mid.signature
    const top = signedBytes(second, { sigKind: SigKind.Rotation, pubkey: nodeKeyToBinary(k3), nested: mid });
    expect(nodeKeyAuthorizedInState(state, k3, top).prevNodeKeys).toEqual([k2, k1]);
    const wrongSigner = signedBytes(nodeTL, {
      sigKind: SigKind.Rotation,
      pubkey: nodeKeyToBinary(k3),
      nested: mid,
    });
    expectRefused(() => nodeKeyAuthorizedInState(state, k3, wrongSigner), 'BAD_SIGNATURE', state);
  });
});

describe('nodeKeyAuthorizedInState: each refusal has its code, and the state is untouched', () => {
  const nk = newNodeKey();
  const direct = signNodeKey(admin, nk, { wrappingPubkey: nodeTL.publicKey });

  it('UNTRUSTED_KEY: a signer the current state does not trust (history does not count)', () => {
    expectRefused(() => nodeKeyAuthorizedInState(stateTrusting(other), nk, direct), 'UNTRUSTED_KEY', state);
    const rotated = resignNodeKey(nodeTL, newNodeKey(), direct);
    const s = stateTrusting(other);
    expectRefused(
      () => nodeKeyAuthorizedInState(s, decodeNodeKeySignature(rotated).pubkey!.slice(2), rotated),
      'UNTRUSTED_KEY',
      s,
    );
  });

  it('WRONG_NODE_KEY: a signature for another node key', () => {
    expectRefused(() => nodeKeyAuthorizedInState(state, newNodeKey(), direct), 'WRONG_NODE_KEY', state);
    const nk2 = newNodeKey();
    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk, resignNodeKey(nodeTL, nk2, direct)),
      'WRONG_NODE_KEY',
      state,
    );
  });

  it('BAD_SIGNATURE: a tampered direct, outer rotation or inner signature; a rotation signed by the wrong key', () => {
    const tampered = decodeNodeKeySignature(direct);
    tampered.signature![0]! ^= 1;
    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk, encodeNodeKeySignature(tampered)),
      'BAD_SIGNATURE',
      state,
    );

    const nk2 = newNodeKey();
    const rotation = decodeNodeKeySignature(resignNodeKey(nodeTL, nk2, direct));
    const outer = structuredClone(rotation);
    outer.signature![5]! ^= 0x80;
    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk2, encodeNodeKeySignature(outer)),
      'BAD_SIGNATURE',
      state,
    );
    const inner = structuredClone(rotation);
    inner.nested!.signature![5]! ^= 0x80;
    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk2, encodeNodeKeySignature(inner)),
      'BAD_SIGNATURE',
      state,
    );

    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk2, resignNodeKey(other, nk2, direct)),
      'BAD_SIGNATURE',
      state,
    );
    const unsigned = decodeNodeKeySignature(direct);
    delete unsigned.signature;
    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk, encodeNodeKeySignature(unsigned)),
      'BAD_SIGNATURE',
      state,
    );
  });

  it('BAD_SIGNATURE: an R with a torsion component, which ZIP-215 (and Tailscale) would accept (docs/DECISIONS.md)', () => {
    const nks: NodeKeySignature = {
      sigKind: SigKind.Direct,
      pubkey: nodeKeyToBinary(nk),
      keyID: admin.publicKey,
    };
    const sigHash = nodeKeySignatureSigHash(nks);
    nks.signature = mixedOrderSignature(admin, sigHash);
    expect(verifyZip215(admin.publicKey, sigHash, nks.signature)).toBe(true);
    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk, encodeNodeKeySignature(nks)),
      'BAD_SIGNATURE',
      state,
    );
    // What a server can make from a real signature without the key fails under both rules.
    const crafted = decodeNodeKeySignature(direct);
    crafted.signature = withTorsionR(crafted.signature!);
    expect(verifyZip215(admin.publicKey, nodeKeySignatureSigHash(crafted), crafted.signature)).toBe(false);
    expectRefused(
      () => nodeKeyAuthorizedInState(state, nk, encodeNodeKeySignature(crafted)),
      'BAD_SIGNATURE',
      state,
    );
    // The legitimate twin passes.
    expect(nodeKeyAuthorizedInState(state, nk, direct).keyID).toEqual(admin.publicKey);
  });

  it('MALFORMED_SIGNATURE: bytes that do not decode, and every shape Tailscale refuses', () => {
    const np = nodeKeyToBinary(nk);
    const cases: [string, Uint8Array][] = [
      ['not CBOR', new Uint8Array([0xff, 0x00])],
      ['empty', new Uint8Array(0)],
      ['CBOR null (kind 0)', new Uint8Array([0xf6])],
      ['unknown kind', signedBytes(admin, { sigKind: 7, pubkey: np, keyID: admin.publicKey })],
      ['direct without keyID', signedBytes(admin, { sigKind: SigKind.Direct, pubkey: np })],
      ['a bare credential', createCredential(admin).credential],
      [
        'direct nesting a signature',
        signedBytes(admin, {
          sigKind: SigKind.Direct,
          pubkey: np,
          keyID: admin.publicKey,
          nested: decodeNodeKeySignature(direct),
        }),
      ],
      ['rotation without nested', signedBytes(nodeTL, { sigKind: SigKind.Rotation, pubkey: np })],
      [
        'rotation over a direct without wrapping key',
        signedBytes(nodeTL, {
          sigKind: SigKind.Rotation,
          pubkey: np,
          nested: decodeNodeKeySignature(signNodeKey(admin, newNodeKey())),
        }),
      ],
      [
        'rotation over a 31-byte wrapping key',
        signedBytes(nodeTL, {
          sigKind: SigKind.Rotation,
          pubkey: np,
          nested: { ...decodeNodeKeySignature(direct), wrappingPubkey: nodeTL.publicKey.slice(1) },
        }),
      ],
      [
        'nested direct with a malformed node key',
        signedBytes(nodeTL, {
          sigKind: SigKind.Rotation,
          pubkey: np,
          nested: { ...decodeNodeKeySignature(direct), pubkey: new Uint8Array(34) },
        }),
      ],
    ];
    for (const [name, bytes] of cases) {
      const e = expectRefused(() => nodeKeyAuthorizedInState(state, nk, bytes), 'MALFORMED_SIGNATURE', state);
      expect(e.message, name).toMatch(/node-key signature/);
    }
  });

  it('INVALID_ARGUMENT for arguments of the wrong type or size', () => {
    const bad: [unknown, unknown, unknown][] = [
      [null, nk, direct],
      [{ keys: 'x' }, nk, direct],
      [state, nk.subarray(1), direct],
      [state, 'nodekey:00', direct],
      [state, nk, 'AAAA'],
      [state, nk, undefined],
    ];
    for (const [s, k, sig] of bad) {
      expectRefused(() => nodeKeyAuthorizedInState(s as never, k as never, sig as never), 'INVALID_ARGUMENT');
    }
  });
});

describe("nodeRotationKey: the node's own rotation key, never a pre-auth key's one-time key", () => {
  it('a chain from a Direct signature: the wrapping key that signs its next rotation', () => {
    const [k1, k2] = [newNodeKey(), newNodeKey()];
    const direct = signNodeKey(admin, k1, { wrappingPubkey: nodeTL.publicKey });
    expect(nodeRotationKey(decodeNodeKeySignature(direct))).toEqual(nodeTL.publicKey);
    expect(nodeRotationKey(decodeNodeKeySignature(resignNodeKey(nodeTL, k2, direct)))).toEqual(
      nodeTL.publicKey,
    );
    expect(nodeRotationKey(decodeNodeKeySignature(signNodeKey(admin, k1)))).toBeUndefined();
  });

  it('a chain from a Credential: none, though the one-time key can sign its rotations', () => {
    const nk = newNodeKey();
    const { credential, privateKey } = createCredential(admin);
    const cred = decodeNodeKeySignature(credential);
    const joined = decodeNodeKeySignature(signByCredential(privateKey, cred, nk));
    expect(cred.wrappingPubkey).toEqual(signingKeyFromPrivate(privateKey).publicKey);
    expect(nodeRotationKey(joined)).toBeUndefined();
    // A rotation key named above the credential was chosen by a holder of the one-time key too.
    const chosen = generateSigningKey();
    const above = signedBytes(signingKeyFromPrivate(privateKey), {
      sigKind: SigKind.Rotation,
      pubkey: nodeKeyToBinary(nk),
      nested: cred,
      wrappingPubkey: chosen.publicKey,
    });
    expect(nodeKeyAuthorizedInState(state, nk, above).keyID).toEqual(admin.publicKey);
    expect(nodeRotationKey(decodeNodeKeySignature(above))).toBeUndefined();
  });
});
