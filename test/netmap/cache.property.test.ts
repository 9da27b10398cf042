import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeKeyAuthorizedInState } from '../../src/signing/node-key-authorization.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { decodeNodeKeySignature, encodeNodeKeySignature } from '../../src/model/nks.js';
import type { Netmap } from '../../src/netmap/types.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { createCredential, signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { resignNodeKey } from '../../src/signing/rotation.js';
import {
  b64,
  forgeRotation,
  newNodeKey,
  nodeKeyText,
  stateTrusting,
  tailscaleZeroWrappedDirect,
} from '../nks-fixtures.js';

// For random sequences of full netmaps, deltas and authority changes (keys removed and re-added),
// a caching verifier answers exactly as one without a cache, and on full netmaps as a brand-new
// verifier; and no peer it keeps is refused by a direct check under the current state.

const trusted = [generateSigningKey(), generateSigningKey(), generateSigningKey()];
const nodeTL = generateSigningKey();
const keys = Array.from({ length: 8 }, newNodeKey);
const keyTexts = keys.map(nodeKeyText);

// (key index, signature) pairs that verify under some state, plus ones that never do.
const pairs: [number, Uint8Array][] = [];
keys.forEach((k, i) => pairs.push([i, signNodeKey(trusted[i % 3]!, k)]));
const d0 = signNodeKey(trusted[0]!, keys[0]!, { wrappingPubkey: nodeTL.publicKey });
const r1 = resignNodeKey(nodeTL, keys[1]!, d0);
const r2 = resignNodeKey(nodeTL, keys[2]!, r1);
const clone3 = resignNodeKey(nodeTL, keys[3]!, d0);
pairs.push([0, d0], [1, r1], [2, r2], [3, clone3]);
const { credential, privateKey } = createCredential(trusted[1]!);
const cred = decodeNodeKeySignature(credential);
pairs.push(
  [4, signByCredential(privateKey, cred, keys[4]!)],
  [5, signByCredential(privateKey, cred, keys[5]!)],
);
const forged = forgeRotation(tailscaleZeroWrappedDirect(trusted[2]!, keys[6]!), new Uint8Array(32));
keys[7] = forged.nodeKey;
keyTexts[7] = nodeKeyText(forged.nodeKey);
pairs.push([7, encodeNodeKeySignature(forged.nks)]);
const sigTexts = [...pairs.map(([, s]) => b64(s)), 'AAAA', '!!', '', b64(Uint8Array.of(0xf6))];

const keyText = fc.oneof(fc.constantFrom(...keyTexts), fc.constant('nodekey:bad'));
const sigText = fc.option(fc.constantFrom(...sigTexts), { nil: undefined });
const id = fc.integer({ min: 1, max: 6 });

const peerArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(id, fc.constantFrom(...pairs))
      .map(([ID, [k, s]]) => ({ ID, Key: keyTexts[k]!, KeySignature: b64(s) })),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      { ID: id, Key: keyText, KeySignature: sigText, UnsignedPeerAPIOnly: fc.boolean() },
      { requiredKeys: ['ID', 'Key'] },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 7, 'junk', { ID: 3 }) },
);
const patchArb = fc.record(
  { NodeID: id, Key: fc.option(keyText, { nil: undefined }), KeySignature: sigText, Online: fc.boolean() },
  { requiredKeys: ['NodeID'] },
);

type Step =
  { kind: 'full'; resp: Netmap } | { kind: 'delta'; resp: Netmap } | { kind: 'authority'; trust: boolean[] };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc
    .record(
      { Peers: fc.array(peerArb, { maxLength: 8 }), Node: fc.option(peerArb, { nil: undefined }) },
      { requiredKeys: ['Peers'] },
    )
    .map((resp) => ({ kind: 'full' as const, resp })),
  fc
    .record(
      {
        PeersChanged: fc.array(peerArb, { maxLength: 4 }),
        PeersRemoved: fc.array(id, { maxLength: 2 }),
        PeersChangedPatch: fc.array(patchArb, { maxLength: 4 }),
      },
      { requiredKeys: [] },
    )
    .map((resp) => ({ kind: 'delta' as const, resp })),
  fc
    .array(fc.boolean(), { minLength: 3, maxLength: 3 })
    .map((trust) => ({ kind: 'authority' as const, trust })),
);

describe('NetmapVerifier cache (property)', () => {
  it('the cached verifier answers as a fresh one, through netmaps, deltas and authority changes', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 20 }), (steps) => {
        const authority = { head: 'H-111', state: stateTrusting(...trusted) };
        const cached = new NetmapVerifier(authority);
        const uncached = new NetmapVerifier(authority, { cacheSize: 0 });
        for (const step of steps) {
          if (step.kind === 'authority') {
            // The head names the state, as a real head does: the same key set, the same head.
            authority.head = 'H-' + step.trust.map((t) => (t ? 1 : 0)).join('');
            authority.state = stateTrusting(...trusted.filter((_, i) => step.trust[i]));
            continue;
          }
          const got = cached.filter(step.resp);
          expect(got).toEqual(uncached.filter(step.resp));
          if (step.kind !== 'full') continue;
          expect(got).toEqual(new NetmapVerifier(authority).filter(step.resp));
          for (const p of got.netmap.Peers as Record<string, unknown>[]) {
            if (p['UnsignedPeerAPIOnly'] === true) continue;
            const k = keys[keyTexts.indexOf(p['Key'] as string)]!;
            const sig = new Uint8Array(Buffer.from(p['KeySignature'] as string, 'base64'));
            expect(() => nodeKeyAuthorizedInState(authority.state, k, sig)).not.toThrow();
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
