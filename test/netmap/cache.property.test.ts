import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { decodeNodeKeySignature, encodeNodeKeySignature } from '../../src/model/nks.js';
import type { Netmap, NetmapVerdict } from '../../src/netmap/types.js';
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
import { FilteredDaemon } from '../attacks/daemon-model.js';

// For random sequences of full netmaps, deltas and authority changes (keys removed and re-added),
// with hostile spellings (field names in any case, two spellings of Key, missing and repeated
// IDs, patches carrying fields a patch cannot carry): a daemon that applies the verifier's output
// as Tailscale's client does holds no peer the current state refuses; a caching verifier answers
// exactly as one without a cache, and on full netmaps as a brand-new verifier.

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
const id = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined, freq: 8 });

/** Field names as a hostile server may spell them: Go reads them all as the canonical one. */
const spelling = (name: string): fc.Arbitrary<string> =>
  fc.constantFrom(name, name, name, name.toLowerCase(), name.toUpperCase());

/** A record with each present field under one spelling, and sometimes a second, conflicting one. */
function spelled(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(fields).map(([name, value]) =>
    fc.tuple(spelling(name), fc.option(value, { nil: undefined, freq: 3 })),
  );
  return fc
    .tuple(fc.tuple(...entries), fc.option(fc.tuple(spelling('Key'), keyText), { nil: undefined, freq: 6 }))
    .map(([pairs, extra]) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of pairs) if (v !== undefined) out[k] = v;
      if (extra !== undefined) out[extra[0]] = extra[1];
      return out;
    });
}

const peerArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(id, fc.constantFrom(...pairs))
      .map(([ID, [k, s]]) => ({ ID, Key: keyTexts[k]!, KeySignature: b64(s) })),
  },
  {
    weight: 2,
    arbitrary: spelled({ ID: id, Key: keyText, KeySignature: sigText, UnsignedPeerAPIOnly: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 7, 'junk', { ID: 3 }) },
);
const patchArb = spelled({
  NodeID: id,
  Key: keyText,
  KeySignature: sigText,
  Online: fc.boolean(),
  UnsignedPeerAPIOnly: fc.boolean(),
  ID: id,
});

type Step =
  { kind: 'full'; resp: Netmap } | { kind: 'delta'; resp: Netmap } | { kind: 'authority'; trust: boolean[] };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc
    .record(
      {
        Peers: fc.array(peerArb, { maxLength: 8 }),
        Node: fc.option(peerArb, { nil: undefined }),
        PeersChanged: fc.array(peerArb, { maxLength: 2 }),
      },
      { requiredKeys: ['Peers'] },
    )
    .map((resp) => ({ kind: 'full' as const, resp })),
  fc
    .record(
      {
        Peers: fc.constant([]),
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

const withoutRemovals = (v: NetmapVerdict): unknown => ({
  ...v,
  netmap: { ...v.netmap, PeersRemoved: undefined },
});

describe('NetmapVerifier (property): hostile sequences of map responses and authority changes', () => {
  it('a daemon applying its output as Go does never holds an unauthorised peer; the cache changes nothing', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 20 }), (steps) => {
        const authority = { head: 'H-111', state: stateTrusting(...trusted) };
        const daemon = new FilteredDaemon(authority);
        const uncached = new NetmapVerifier(authority, { cacheSize: 0 });
        for (const step of steps) {
          if (step.kind === 'authority') {
            // The head names the state, as a real head does: the same key set, the same head.
            authority.head = 'H-' + step.trust.map((t) => (t ? 1 : 0)).join('');
            authority.state = stateTrusting(...trusted.filter((_, i) => step.trust[i]));
            continue;
          }
          const got = daemon.receive(step.resp);
          expect(got).toEqual(uncached.filter(step.resp));
          expect(daemon.filtered.unauthorised(authority.state)).toEqual([]);
          if (step.kind !== 'full' || (step.resp.Peers as unknown[]).length === 0) continue;
          // A full list is judged on its own: as a brand-new verifier would (but for what to remove).
          expect(withoutRemovals(got)).toEqual(
            withoutRemovals(new NetmapVerifier(authority).filter(step.resp)),
          );
        }
      }),
      { numRuns: 150 },
    );
  });
});
