import { randomInt } from 'node:crypto';

/**
 * Random numbers for a test whose inputs (kill times, say) vary from run to run: the seed is
 * printed, and `TLOCK_TEST_SEED=<seed>` replays a failing run exactly. `next()` is uniform in
 * [0, 1) (mulberry32: small, fast, and good enough for test schedules; not for secrets).
 */
export function seededRandom(label: string): { seed: number; next: () => number } {
  const fromEnv = process.env['TLOCK_TEST_SEED'];
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : randomInt(2 ** 32);
  console.log(`${label}: seed ${seed} (replay with TLOCK_TEST_SEED=${seed})`);
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { seed, next };
}
