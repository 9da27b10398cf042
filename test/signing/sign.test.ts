import { describe, expect, it } from 'vitest';
import { nodeKeyAuthorizedInState } from '../../src/signing/node-key-authorization.js';
import { generateSigningKey, verifyStandard, verifyZip215 } from '../../src/crypto/ed25519.js';
import {
  SigKind,
  decodeNodeKeySignature,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from '../../src/model/nks.js';
import { createCredential, signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { nodeKeyToBinary } from '../../src/wire/keytext.js';
import { SMALL_ORDER_POINTS, newNodeKey, stateTrusting } from '../nks-fixtures.js';
import { toHexString } from '../support/vectors.js';
import { expectTlockError } from '../support/tlock-error.js';

const admin = generateSigningKey();
const state = stateTrusting(admin);

describe('signNodeKey (Direct)', () => {
  it('writes {kind 1, np‖key, keyID, signature} and no wrapping key when none is given', () => {
    const nk = newNodeKey();
    const bytes = signNodeKey(admin, nk);
    const nks = decodeNodeKeySignature(bytes);
    expect(nks).toEqual({
      sigKind: SigKind.Direct,
      pubkey: nodeKeyToBinary(nk),
      keyID: admin.publicKey,
      signature: nks.signature,
    });
    expect(verifyZip215(admin.publicKey, nodeKeySignatureSigHash(nks), nks.signature!)).toBe(true);
    // Exact bytes: a4 01 01 02 5822 "np"‖key 03 5820 keyID 04 5840 signature (no key 6).
    expect(toHexString(bytes)).toBe(
      'a4010102582 26e70'.replace(/ /g, '') +
        toHexString(nk) +
        '035820' +
        toHexString(admin.publicKey) +
        '045840' +
        toHexString(nks.signature!),
    );
    expect(encodeNodeKeySignature(nks)).toEqual(bytes);
    // ed25519 is deterministic: signing again gives the same bytes.
    expect(signNodeKey(admin, nk)).toEqual(bytes);
    expect(nodeKeyAuthorizedInState(state, nk, bytes).keyID).toEqual(admin.publicKey);
  });

  it('writes the wrapping key when given; an empty one is left out', () => {
    const nk = newNodeKey();
    const w = generateSigningKey().publicKey;
    expect(decodeNodeKeySignature(signNodeKey(admin, nk, { wrappingPubkey: w })).wrappingPubkey).toEqual(w);
    expect(signNodeKey(admin, nk, { wrappingPubkey: new Uint8Array(0) })).toEqual(signNodeKey(admin, nk));
  });

  it('refuses every small-order wrapping key (32 zero bytes included) with WEAK_KEY', () => {
    for (const p of SMALL_ORDER_POINTS) {
      expectTlockError(() => signNodeKey(admin, newNodeKey(), { wrappingPubkey: p }), 'WEAK_KEY');
    }
  });

  it('refuses bad arguments with INVALID_ARGUMENT', () => {
    const nk = newNodeKey();
    const bad: (() => unknown)[] = [
      () => signNodeKey(admin, nk.subarray(1)),
      () => signNodeKey(admin, nodeKeyToBinary(nk)),
      () => signNodeKey(admin, nk, { wrappingPubkey: new Uint8Array(31) }),
      () => signNodeKey(admin, nk, { wrappingPubkey: 'tlpub:00' as never }),
      () => signNodeKey(admin, nk, null as never),
      () => signNodeKey(null as never, nk),
      () => signNodeKey({ publicKey: admin.publicKey } as never, nk),
      () => signNodeKey({ publicKey: admin.publicKey, privateKey: new Uint8Array(63) }, nk),
    ];
    for (const f of bad) expectTlockError(f, 'INVALID_ARGUMENT');
  });
});

describe('createCredential and signByCredential', () => {
  it('a credential is {kind 3, keyID, wrappingPubkey: one-time key}, signed by the signer', () => {
    const { credential, privateKey } = createCredential(admin);
    const cred = decodeNodeKeySignature(credential);
    expect(Object.keys(cred).sort()).toEqual(['keyID', 'sigKind', 'signature', 'wrappingPubkey']);
    expect(cred.sigKind).toBe(SigKind.Credential);
    expect(cred.keyID).toEqual(admin.publicKey);
    expect(privateKey).toHaveLength(64);
    expect(cred.wrappingPubkey).toEqual(privateKey.subarray(32));
    expect(verifyZip215(admin.publicKey, nodeKeySignatureSigHash(cred), cred.signature!)).toBe(true);
    // A fresh one-time key every time.
    expect(createCredential(admin).privateKey).not.toEqual(privateKey);
  });

  it('signByCredential wraps the credential in a rotation signed by the one-time key', () => {
    const { credential, privateKey } = createCredential(admin);
    const cred = decodeNodeKeySignature(credential);
    const nk = newNodeKey();
    const bytes = signByCredential(privateKey, cred, nk);
    const nks = decodeNodeKeySignature(bytes);
    expect(nks.sigKind).toBe(SigKind.Rotation);
    expect(nks.pubkey).toEqual(nodeKeyToBinary(nk));
    expect(nks.nested).toEqual(cred);
    expect(nks.wrappingPubkey).toBeUndefined();
    expect(verifyStandard(cred.wrappingPubkey!, nodeKeySignatureSigHash(nks), nks.signature!)).toBe(true);
    expect(nodeKeyAuthorizedInState(state, nk, bytes).keyID).toEqual(admin.publicKey);
    // Many nodes may join with one credential.
    const nk2 = newNodeKey();
    expect(nodeKeyAuthorizedInState(state, nk2, signByCredential(privateKey, cred, nk2)).keyID).toEqual(
      admin.publicKey,
    );
  });

  it('refuses a wrong-length private key, a non-credential and bad node keys with INVALID_ARGUMENT', () => {
    const { credential, privateKey } = createCredential(admin);
    const cred = decodeNodeKeySignature(credential);
    const nk = newNodeKey();
    const direct = decodeNodeKeySignature(signNodeKey(admin, nk));
    const bad: (() => unknown)[] = [
      () => signByCredential(privateKey.subarray(0, 32), cred, nk),
      () => signByCredential(new Uint8Array(65), cred, nk),
      () => signByCredential(privateKey, direct, nk),
      () => signByCredential(privateKey, null as never, nk),
      () => signByCredential(privateKey, cred, nk.subarray(2)),
      () => createCredential(undefined as never),
    ];
    for (const f of bad) expectTlockError(f, 'INVALID_ARGUMENT');
  });
});
