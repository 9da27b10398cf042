import fc from 'fast-check';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import type { State } from '../../src/model/state.js';
import type { Netmap } from '../../src/netmap/types.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { DaemonModel } from '../../test/attacks/daemon-model.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../../test/nks-fixtures.js';
import { FuzzFailure, type FuzzTarget, guarded } from '../fuzz-target.js';
import { type Json, mutatedJson } from '../mutations.js';

/**
 * Peers a hostile server can send: signed by admin 1 (trusted throughout), signed by admin 2
 * (trusted until the authority moves on and removes it), signed by an outsider, unsigned, and
 * API-only without a key.
 */
function peerPool(): { pool: Json[]; before: State; after: State } {
  const [admin1, admin2, outsider] = [1, 2, 3].map(() => generateSigningKey());
  const signed = (id: number, by: typeof admin1) => {
    const k = newNodeKey();
    return { ID: id, Key: nodeKeyText(k), KeySignature: b64(signNodeKey(by!, k)), Online: true };
  };
  const pool = [
    signed(1, admin1),
    signed(2, admin1),
    signed(3, admin2),
    signed(4, outsider),
    { ID: 5, Key: nodeKeyText(newNodeKey()) },
    { ID: 6, UnsignedPeerAPIOnly: true },
    signed(7, admin1),
  ];
  return { pool, before: stateTrusting(admin1!, admin2!), after: stateTrusting(admin1!) };
}

/** One map response: full list or deltas, from the pool, then structurally mutated. */
function response(pool: Json[]): fc.Arbitrary<Json> {
  const peers = fc.subarray(pool, { maxLength: 5 });
  const patch = fc.tuple(fc.integer({ min: 0, max: 8 }), fc.nat(pool.length - 1)).map(([id, from]) => {
    const p = pool[from] as Record<string, Json>;
    return { NodeID: id, Key: p['Key'] ?? null, KeySignature: p['KeySignature'] ?? null };
  });
  const base = fc.record(
    {
      Peers: peers,
      PeersChanged: peers,
      PeersRemoved: fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 3 }),
      PeersChangedPatch: fc.array(patch, { maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  return mutatedJson(base, pool, 5);
}

/**
 * Sequences of mutated map responses (field names, nesting, types, deltas) into
 * NetmapVerifier.filter, with the authority removing a key in the middle. Besides the shared
 * invariants: a daemon that applies each filtered response as Tailscale's client does (the model
 * in test/attacks/daemon-model.ts) never holds a peer the authority does not authorise now.
 */
export const netmapFilterTarget: FuzzTarget = {
  name: 'NetmapVerifier.filter',
  about:
    'sequences of mutated map responses (names, nesting, types, deltas; a key removed midway) into NetmapVerifier.filter',
  testRuns: 300,
  prepare() {
    const { pool, before, after } = peerPool();
    const input = fc.record({
      responses: fc.array(response(pool), { minLength: 1, maxLength: 4 }),
      removeAt: fc.nat(4),
    });
    return Promise.resolve({
      property: fc.asyncProperty(input, async ({ responses, removeAt }) => {
        const authority = { head: 'H1', state: before };
        const verifier = new NetmapVerifier(authority);
        const daemon = new DaemonModel();
        for (const [i, resp] of responses.entries()) {
          if (i === removeAt) Object.assign(authority, { head: 'H2', state: after });
          const r = await guarded('NetmapVerifier.filter', () =>
            verifier.filter(structuredClone(resp) as Netmap),
          );
          if ('error' in r) continue; // the hook answers an error line; the daemon applies nothing
          try {
            daemon.apply(JSON.stringify(r.value.netmap));
          } catch {
            // Go could not decode what we wrote: the daemon drops the map session and starts a new
            // one (a full map to a fresh verifier), so this sequence ends here.
            return;
          }
          const bad = daemon.unauthorised(authority.state);
          if (bad.length > 0)
            throw new FuzzFailure(
              `after response ${i} the daemon holds unauthorised peers: ${JSON.stringify(bad.map((n) => n.ID))}`,
            );
        }
      }),
    });
  },
};
