import { fileURLToPath } from 'node:url';
import { chainOpenCase } from './cases/chain-open.js';
import { offerThroughputCase, syncCases } from './cases/control.js';
import { hookCases } from './cases/hook.js';
import { hostileNetmapCase } from './cases/hostile-netmap.js';
import { type MemoryResult, memoryCase } from './cases/memory.js';
import { netmapCases } from './cases/netmap.js';
import { signingCase } from './cases/signing.js';
import { startupCases } from './cases/startup.js';
import { type RatioResult, formatTable, machine } from './harness.js';
import { type BenchReport, formatMemory, writeFigures } from './performance-doc.js';

/*
 * `npm run bench`: every case as a ratio against a floor timed in the same process (medians of
 * alternating runs). `-- --json` prints JSON only; `-- --write` also rewrites the figures in
 * docs/PERFORMANCE.md; `-- --only=netmap,hook,hostile,chain,sign,memory,sync,offer,startup` runs some cases; `-- --runs=N`.
 */

const CASES = ['netmap', 'hook', 'hostile', 'chain', 'sign', 'memory', 'sync', 'offer', 'startup'] as const;
type CaseName = (typeof CASES)[number];

interface Options {
  json: boolean;
  write: boolean;
  runs: number;
  only: Set<CaseName>;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = { json: false, write: false, runs: 7, only: new Set(CASES) };
  for (const arg of argv) {
    if (arg === '--json') opts.json = true;
    else if (arg === '--write') opts.write = true;
    else if (arg.startsWith('--runs=')) opts.runs = Math.max(1, Number(arg.slice(7)) | 0);
    else if (arg.startsWith('--only=')) {
      const names = arg.slice(7).split(',');
      const unknown = names.filter((n) => !(CASES as readonly string[]).includes(n));
      if (unknown.length > 0)
        throw new Error(`unknown case ${unknown.join(', ')}; cases: ${CASES.join(', ')}`);
      opts.only = new Set(names as CaseName[]);
    } else
      throw new Error(`unknown option ${arg}; options: --json --write --runs=N --only=${CASES.join(',')}`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const log = (line: string): void => {
    if (!opts.json) process.stderr.write(line + '\n');
  };
  log(`tlock benchmarks on ${machine()}; ${opts.runs} alternating runs per side, medians`);
  const results: RatioResult[] = [];
  let memory: MemoryResult | undefined;
  if (opts.only.has('netmap')) {
    log('… netmap (builds 10 000 signed peers first)');
    results.push(...(await netmapCases(opts.runs)));
  }
  if (opts.only.has('hook')) {
    log('… hook (builds 10 000 signed peers per run, then runs the built tlock hook)');
    results.push(...(await hookCases(opts.runs)));
  }
  if (opts.only.has('hostile')) {
    log('… hostile netmap (builds 100 000 signed peers and their crafted twins first)');
    results.push(await hostileNetmapCase(Math.max(1, Math.ceil(opts.runs / 2))));
  }
  if (opts.only.has('chain')) {
    log('… chain open (builds a 1 000-AUM FileStore first)');
    results.push(await chainOpenCase(opts.runs * 3));
  }
  if (opts.only.has('sign')) {
    log('… signing');
    results.push(await signingCase(opts.runs));
  }
  if (opts.only.has('sync')) {
    log('… sync over loopback (builds a 1 000-AUM chain and starts tlock serve first)');
    results.push(...(await syncCases(Math.max(3, Math.ceil(opts.runs / 2)))));
  }
  if (opts.only.has('offer')) {
    log('… sync/offer throughput (tlock serve and a bare node:http server, 2 s each run)');
    results.push(await offerThroughputCase(Math.max(3, Math.ceil(opts.runs / 2))));
  }
  if (opts.only.has('startup')) {
    log('… start-up (whole tlock processes against node -e 0)');
    results.push(...(await startupCases(opts.runs * 2)));
  }
  if (opts.only.has('memory')) {
    log('… memory (child processes)');
    memory = memoryCase(5);
  }
  const report: BenchReport = { date: new Date().toISOString(), machine: machine(), results };
  if (memory !== undefined) report.memory = memory;
  if (opts.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    process.stdout.write(formatTable(results) + '\n\n');
    if (memory !== undefined) process.stdout.write(formatMemory(memory) + '\n');
  }
  if (opts.write) {
    const path = fileURLToPath(new URL('../../docs/PERFORMANCE.md', import.meta.url));
    await writeFigures(path, report);
    log(`wrote ${path}`);
  }
}

try {
  await main();
  process.exit(0); // a worker pool, if any, must not keep the benchmark alive
} catch (e) {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}
