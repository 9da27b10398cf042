import { type KeyObject, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { signNodeKey, signingKeyFromPrivate } from '../../src/index.js';
import { type RatioResult, compare, ratioResult } from '../harness.js';

export const SIGNATURES = 10_000;

export async function signingCase(runs: number): Promise<RatioResult> {
  const admin = signingKeyFromPrivate(new Uint8Array(randomBytes(32)));
  const nodeKeys = Array.from({ length: SIGNATURES }, () => new Uint8Array(randomBytes(32)));
  const rotationKey = signingKeyFromPrivate(new Uint8Array(randomBytes(32))).publicKey;
  const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const privateKey: KeyObject = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: b64url(admin.privateKey.subarray(0, 32)),
      x: b64url(admin.publicKey),
    },
    format: 'jwk',
  });
  const t = await compare({
    runs,
    subject: () => {
      for (const k of nodeKeys) signNodeKey(admin, k, { wrappingPubkey: rotationKey });
    },
    floor: () => {
      for (const k of nodeKeys) sign(null, k, privateKey);
    },
  });
  return ratioResult(
    {
      name: `sign ${SIGNATURES} node keys`,
      subject: 'signNodeKey (with a rotation key)',
      floor: `node:crypto sign ×${SIGNATURES}`,
    },
    t,
  );
}
