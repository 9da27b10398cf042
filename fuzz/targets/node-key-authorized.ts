import fc from 'fast-check';
import { Authority } from '../../src/authority/authority.js';
import { type SigningKey, generateSigningKey } from '../../src/crypto/ed25519.js';
import { decodeNodeKeySignature, nodeKeySignatureSigHash } from '../../src/model/nks.js';
import { createCredential, signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { resignNodeKey } from '../../src/signing/rotation.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { bytesEqual } from '../../src/wire/bytes.js';
import { FuzzFailure, type FuzzTarget, guarded } from '../fuzz-target.js';
import { mutatedBytes } from '../mutations.js';

interface RealSignature {
  nodeKey: Uint8Array;
  sig: Uint8Array;
}

/** Each kind of signature tlock accepts, with the node key it authorises. */
function realSignatures(admin: SigningKey): RealSignature[] {
  const nodeTL = generateSigningKey();
  const keys = [1, 2, 3].map(() => generateSigningKey().publicKey);
  const wrapped = signNodeKey(admin, keys[1]!, { wrappingPubkey: nodeTL.publicKey });
  const credential = createCredential(admin);
  return [
    { nodeKey: keys[0]!, sig: signNodeKey(admin, keys[0]!) },
    { nodeKey: keys[1]!, sig: wrapped },
    { nodeKey: keys[2]!, sig: resignNodeKey(nodeTL, keys[2]!, wrapped) },
    {
      nodeKey: keys[0]!,
      sig: signByCredential(credential.privateKey, decodeNodeKeySignature(credential.credential), keys[0]!),
    },
  ];
}

const sigHashOf = (sig: Uint8Array): Uint8Array => nodeKeySignatureSigHash(decodeNodeKeySignature(sig));

/**
 * Mutated real signatures (and mutated node keys) into Authority.nodeKeyAuthorized. Besides the
 * shared invariants: a mutated signature is authorised only if it decodes to the same signed
 * content (same signature hash) and names the same node key as the real one it came from.
 */
export const nodeKeyAuthorizedTarget: FuzzTarget = {
  name: 'nodeKeyAuthorized',
  about:
    'mutated Direct, rotation and credential signatures (and node keys) into Authority.nodeKeyAuthorized',
  testRuns: 400,
  async prepare() {
    const admin = generateSigningKey();
    const sigs = realSignatures(admin);
    const { authority } = await Authority.create(
      new MemoryStore(),
      {
        lastAUMHash: null,
        disablementValues: [new Uint8Array(32).fill(1)],
        keys: [{ kind: 1, votes: 1, public: admin.publicKey }],
      },
      admin,
    );
    const input = fc.nat(sigs.length - 1).chain((which) =>
      fc.record({
        which: fc.constant(which),
        mutated: mutatedBytes(fc.constant(sigs[which]!.sig)),
        nodeKeyFlip: fc.option(fc.tuple(fc.nat(31), fc.integer({ min: 0, max: 7 })), {
          nil: undefined,
          freq: 6,
        }),
      }),
    );
    return {
      property: fc.asyncProperty(input, async ({ which, mutated, nodeKeyFlip }) => {
        const real = sigs[which]!;
        const nodeKey = real.nodeKey.slice();
        if (nodeKeyFlip !== undefined) nodeKey[nodeKeyFlip[0]]! ^= 1 << nodeKeyFlip[1];
        const r = await guarded('nodeKeyAuthorized', () => authority.nodeKeyAuthorized(nodeKey, mutated));
        if ('error' in r) return;
        if (!bytesEqual(nodeKey, real.nodeKey) || !bytesEqual(sigHashOf(mutated), sigHashOf(real.sig))) {
          throw new FuzzFailure(
            `a mutated signature was authorised for other signed content: ${Buffer.from(mutated).toString('hex')}`,
          );
        }
      }),
    };
  },
};
