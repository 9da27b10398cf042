import fc from 'fast-check';
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from './all-targets.js';
import { runCrashRounds } from './crash-rounds.js';
import type { FuzzTarget } from './fuzz-target.js';

/*
 * `npm run fuzz -- --minutes N`: runs every fuzz target (fuzz/targets/) for its share of N
 * minutes, then prints inputs tried and failures found, each with its seed and the command that
 * replays it. `--target <name>` runs one target; `--seed S --path P` replays one failure. Then
 * `--kill-rounds` SIGKILL rounds of the built CLI's writers (fuzz/crash-rounds.ts; needs dist/).
 */

const usage = `usage: npm run fuzz -- [--minutes N] [--target NAME] [--seed S [--path P]]

  --minutes N    total time, shared by the targets (default 1)
  --target NAME  only this target (${FUZZ_TARGETS.map((t) => `"${t.name}"`).join(', ')})
  --seed S       start from this seed; with --path, replay one failure exactly
  --path P       the counterexample path a failure printed
  --kill-rounds K  SIGKILL rounds of tlock's writers after the targets (default 100; 0 skips)`;

interface Failure {
  target: string;
  seed: number;
  path: string;
  counterexample: string;
  error: string;
}

function options(): {
  minutes: number;
  targets: FuzzTarget[];
  killRounds: number;
  seed?: number;
  path?: string;
} {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '1' },
      target: { type: 'string' },
      seed: { type: 'string' },
      path: { type: 'string' },
      'kill-rounds': { type: 'string', default: '100' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const minutes = Number(values.minutes);
  const targets = FUZZ_TARGETS.filter((t) => values.target === undefined || t.name === values.target);
  const killRounds = values.target === undefined ? Number(values['kill-rounds']) : 0;
  if (
    !(minutes > 0) ||
    targets.length === 0 ||
    !Number.isSafeInteger(killRounds) ||
    killRounds < 0 ||
    (values.path !== undefined && values.seed === undefined)
  ) {
    console.error(usage);
    process.exit(2);
  }
  return {
    minutes,
    targets,
    killRounds,
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) >>> 0 }),
    ...(values.path === undefined ? {} : { path: values.path }),
  };
}

const replayCommand = (f: Failure): string =>
  `npm run fuzz -- --target ${JSON.stringify(f.target)} --seed ${f.seed} --path ${JSON.stringify(f.path)}`;

/** Runs one target until `ms` have passed, starting a new seed after each failure. */
async function fuzzFor(
  target: FuzzTarget,
  ms: number,
  seed?: number,
  path?: string,
): Promise<{ tried: number; failures: Failure[] }> {
  const prepared = await target.prepare();
  const failures: Failure[] = [];
  let tried = 0;
  const end = Date.now() + ms;
  try {
    do {
      const runSeed = seed ?? randomInt(2 ** 32);
      seed = undefined;
      const details = await fc.check(prepared.property, {
        seed: runSeed,
        ...(path === undefined
          ? {
              numRuns: Number.MAX_SAFE_INTEGER,
              interruptAfterTimeLimit: Math.max(1, end - Date.now()),
              markInterruptAsFailure: false,
            }
          : { path, numRuns: 1 }),
      });
      tried += details.numRuns;
      if (details.failed) {
        const error =
          details.errorInstance instanceof Error
            ? details.errorInstance.message
            : String(details.errorInstance);
        const failure = {
          target: target.name,
          seed: details.seed,
          path: details.counterexamplePath ?? '',
          counterexample: fc.stringify(details.counterexample),
          error,
        };
        failures.push(failure);
        console.log(
          `  FAILURE in ${target.name}: ${error.split('\n')[0]}\n    input: ${failure.counterexample.slice(0, 2000)}\n    replay: ${replayCommand(failure)}`,
        );
      }
      if (path !== undefined) break;
    } while (Date.now() < end);
  } finally {
    await prepared.close?.();
  }
  return { tried, failures };
}

/** The crash rounds, with their seed; a broken invariant is a failure like any other. */
async function killRoundsReport(rounds: number, seed = randomInt(2 ** 32)): Promise<void> {
  let state = seed;
  const random = (): number => {
    // mulberry32, as test/support/seeded-random.ts: the same seed replays the same kill schedule.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const pairs = Math.max(4, Math.floor(rounds / 10));
  try {
    const r = await runCrashRounds({ rounds, pairs, random });
    console.log(
      `  ${'SIGKILL rounds'.padEnd(24)} ${String(r.rounds).padStart(9)} rounds  ${r.killed} kills survived, ${r.acknowledged} writes acknowledged; ${pairs} concurrent pairs, ${r.conflicts} refused with CONFLICT (seed ${seed})`,
    );
  } catch (e) {
    console.log(
      `  SIGKILL rounds: FAILURE: ${(e as Error).message}\n    replay: npm run fuzz -- --kill-rounds ${rounds} --seed ${seed} --minutes 0.01`,
    );
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const { minutes, targets, killRounds, seed, path } = options();
  const slice = (minutes * 60_000) / targets.length;
  const rows: string[] = [];
  const failures: Failure[] = [];
  let total = 0;
  for (const target of targets) {
    process.stdout.write(`${target.name}: ${target.about}\n`);
    const r = await fuzzFor(target, slice, seed, path);
    total += r.tried;
    failures.push(...r.failures);
    rows.push(
      `  ${target.name.padEnd(24)} ${String(r.tried).padStart(9)} inputs  ${r.failures.length} failures`,
    );
  }
  console.log(
    `\n${rows.join('\n')}\n  ${'total'.padEnd(24)} ${String(total).padStart(9)} inputs  ${failures.length} failures`,
  );
  if (killRounds > 0) await killRoundsReport(killRounds, seed);
  for (const f of failures)
    console.log(
      `\n${f.target}: ${f.error.split('\n')[0]}\n  seed ${f.seed}, path ${f.path}\n  replay: ${replayCommand(f)}`,
    );
  if (failures.length > 0) process.exitCode = 1;
}

await main();
