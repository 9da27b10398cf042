import { describe, expect, it } from 'vitest';
import { nodeKeyAuthorizedInState } from '../../src/signing/node-key-authorization.js';
import { generateSigningKey, isSmallOrderPublicKey, verifyStandard } from '../../src/crypto/ed25519.js';
import { encodeNodeKeySignature, nodeKeySignatureSigHash } from '../../src/model/nks.js';
import {
  SMALL_ORDER_POINTS,
  forgeRotation,
  newNodeKey,
  stateTrusting,
  tailscaleZeroWrappedDirect,
} from '../nks-fixtures.js';
import { expectRefused } from './refusal.js';

// docs/FORMAT.md §11: Tailscale's `lock sign` without a rotation key writes 32 zero bytes as the wrapping
// key; Go's crypto/ed25519 (the rotation path) accepts forged signatures for that small-order
// point, so anyone who has seen the direct signature can authorise a node key of their choosing.

describe('a forged rotation over a 32-zero-byte wrapping key', () => {
  const admin = generateSigningKey();
  const state = stateTrusting(admin);
  const victim = newNodeKey();
  const direct = tailscaleZeroWrappedDirect(admin, victim);
  const zero = new Uint8Array(32);

  it('the eight small-order encodings are recognised as such', () => {
    for (const p of SMALL_ORDER_POINTS) expect(isSmallOrderPublicKey(p)).toBe(true);
    expect(isSmallOrderPublicKey(admin.publicKey)).toBe(false);
  });

  it('the direct signature Tailscale writes is itself accepted (consensus)', () => {
    expect(nodeKeyAuthorizedInState(state, victim, encodeNodeKeySignature(direct)).keyID).toEqual(
      admin.publicKey,
    );
  });

  it('is accepted by the plain rotation-path verifier, made without any private key', () => {
    const { nks } = forgeRotation(direct, zero);
    expect(nks.signature!.subarray(32)).toEqual(new Uint8Array(32)); // S = 0
    expect(SMALL_ORDER_POINTS.some((p) => Buffer.from(p).equals(nks.signature!.subarray(0, 32)))).toBe(true);
    expect(verifyStandard(zero, nodeKeySignatureSigHash(nks), nks.signature!)).toBe(true);
  });

  it('is refused by tlock with SMALL_ORDER_WRAPPING_KEY, the state untouched', () => {
    const { nks, nodeKey } = forgeRotation(direct, zero);
    const e = expectRefused(
      () => nodeKeyAuthorizedInState(state, nodeKey, encodeNodeKeySignature(nks)),
      'SMALL_ORDER_WRAPPING_KEY',
      state,
    );
    expect(e.message).toMatch(/small-order/);
  });
});
