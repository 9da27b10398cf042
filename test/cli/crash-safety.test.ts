import { describe, expect, it } from 'vitest';
import { runCrashRounds } from '../../fuzz/crash-rounds.js';
import { seededRandom } from '../support/seeded-random.js';

// The built tlock's writers (add, remove, sign authkey, import) killed with SIGKILL at seeded
// random moments over a real write's duration; after each kill the store opens, holds every
// acknowledged change and only AUMs that verify. Then two writers at once: each succeeds, or is
// refused with CONFLICT (status 3) because the other wrote first; nothing is lost.
// fuzz/crash-rounds.ts does the work; `npm run fuzz` runs more rounds.

describe('crash safety of the CLI writers', () => {
  it('survives 25 SIGKILLs and 4 pairs of concurrent writers', async () => {
    const { seed, next } = seededRandom('crash safety');
    const report = await runCrashRounds({ rounds: 25, pairs: 4, random: next });
    expect(report.rounds, `seed ${seed}`).toBe(25);
    // Kills spread over the write: some land before it ends, some after (then it was acknowledged).
    expect(report.killed + report.acknowledged, `seed ${seed}`).toBe(25);
    console.log(
      `crash safety: ${report.killed} kills survived, ${report.acknowledged} writes acknowledged, ${report.conflicts} conflicts in 4 concurrent pairs`,
    );
  }, 600_000);
});
