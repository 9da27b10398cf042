import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withObsoleteRotations } from '../../src/netmap/peer-verdict.js';
import type { PeerVerdict } from '../../src/netmap/types.js';
import { VerdictTally } from '../../src/netmap/verdict-tally.js';

// The tally, kept up to date verdict by verdict, against the same facts counted from scratch.

const key = fc.constantFrom('k0', 'k1', 'k2', 'k3');
const verdictArb: fc.Arbitrary<PeerVerdict> = fc.oneof(
  key.map((k): PeerVerdict => ({ ok: false, key: k, reason: 'BAD_SIGNATURE', detail: 'bad' })),
  key.map((k): PeerVerdict => ({ ok: true, key: k, rotation: undefined })),
  fc
    .record({
      k: key,
      prev: fc.array(key, { minLength: 1, maxLength: 2 }),
      group: fc.constantFrom('g0', 'g1', undefined),
    })
    .map(({ k, prev, group }): PeerVerdict => ({ ok: true, key: k, rotation: { prev, group } })),
);

/** Add a verdict, or remove the one at an index of those held. */
const opArb = fc.oneof(
  verdictArb.map((v) => ({ add: v })),
  fc.nat().map((at) => ({ remove: at })),
);

function fromScratch(held: readonly PeerVerdict[]): { refused: number; refusesNone: boolean } {
  const listed = new Set<string>();
  const groups = new Map<string, number>();
  for (const v of held) {
    if (!v.ok || v.rotation === undefined) continue;
    for (const p of v.rotation.prev) listed.add(p);
    const g = v.rotation.group;
    if (g !== undefined) groups.set(g, (groups.get(g) ?? 0) + 1);
  }
  const refusesNone =
    !held.some((v) => v.ok && listed.has(v.key)) && [...groups.values()].every((n) => n < 2);
  return { refused: held.filter((v) => !v.ok).length, refusesNone };
}

describe('VerdictTally (property)', () => {
  it('counts as a count from scratch, and says rotation refuses none only when it does', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const tally = new VerdictTally();
        const held: PeerVerdict[] = [];
        for (const op of ops) {
          if ('add' in op) {
            held.push(op.add);
            tally.add(op.add);
          } else if (held.length > 0) {
            tally.remove(held.splice(op.remove % held.length, 1)[0]!);
          }
          const expected = fromScratch(held);
          expect(tally.refused).toBe(expected.refused);
          expect(tally.rotationRefusesNone).toBe(expected.refusesNone);
          if (tally.rotationRefusesNone) expect(withObsoleteRotations(held)).toEqual(held);
        }
        tally.clear();
        expect(tally.refused).toBe(0);
        expect(tally.rotationRefusesNone).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
