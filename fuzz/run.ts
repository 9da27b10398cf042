import fc from 'fast-check';
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from './all-targets.js';
import type { FuzzTarget } from './fuzz-target.js';

/*
 * `npm run fuzz -- --minutes N`: runs every fuzz target (fuzz/targets/) for its share of N
 * minutes, then prints inputs tried and failures found, each with its seed and the command that
 * replays it. `--target <name>` runs one target; `--seed S --path P` replays one failure.
 */

const usage = `usage: npm run fuzz -- [--minutes N] [--target NAME] [--seed S [--path P]]

  --minutes N    total time, shared by the targets (default 1)
  --target NAME  only this target (${FUZZ_TARGETS.map((t) => `"${t.name}"`).join(', ')})
  --seed S       start from this seed; with --path, replay one failure exactly
  --path P       the counterexample path a failure printed`;

interface Failure {
  target: string;
  seed: number;
  path: string;
  counterexample: string;
  error: string;
}

function options(): { minutes: number; targets: FuzzTarget[]; seed?: number; path?: string } {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '1' },
      target: { type: 'string' },
      seed: { type: 'string' },
      path: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const minutes = Number(values.minutes);
  const targets = FUZZ_TARGETS.filter((t) => values.target === undefined || t.name === values.target);
  if (!(minutes > 0) || targets.length === 0 || (values.path !== undefined && values.seed === undefined)) {
    console.error(usage);
    process.exit(2);
  }
  return {
    minutes,
    targets,
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

async function main(): Promise<void> {
  const { minutes, targets, seed, path } = options();
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
  for (const f of failures)
    console.log(
      `\n${f.target}: ${f.error.split('\n')[0]}\n  seed ${f.seed}, path ${f.path}\n  replay: ${replayCommand(f)}`,
    );
  process.exitCode = failures.length === 0 ? 0 : 1;
}

await main();
