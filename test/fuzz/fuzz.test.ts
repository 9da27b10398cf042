import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_TARGETS } from '../../fuzz/all-targets.js';
import { seededRandom } from '../support/seeded-random.js';

// Every fuzz target (fuzz/targets/), bounded: `testRuns` inputs each, from a seed printed here.
// A failure names its seed and path; `npm run fuzz -- --target "<name>" --seed <s> --path <p>`
// replays it. `npm run fuzz -- --minutes N` runs the same targets for longer.

describe('fuzzing (bounded)', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: ${target.about}`, async () => {
      const { seed } = seededRandom(`fuzz ${target.name}`);
      const prepared = await target.prepare();
      try {
        await fc.assert(prepared.property, { seed, numRuns: target.testRuns, endOnFailure: false });
      } finally {
        await prepared.close?.();
      }
    }, 120_000);
  }
});
