import { cpus } from 'node:os';

/*
 * Benchmarks report ratios against a floor measured in the same process, so that the figures
 * hold on a noisy machine: each side is timed several times, alternating, and the medians compared.
 */

export interface Timing {
  /** Median wall time in milliseconds. */
  medianMs: number;
  samplesMs: number[];
}

export interface RatioResult {
  name: string;
  subject: string;
  floor: string;
  subjectMs: number;
  floorMs: number;
  ratio: number;
  target?: string;
  met?: boolean;
  note?: string;
}

/** A ratio row from a `compare` result; `limit` is the target ratio, if there is one. */
export function ratioResult(
  row: { name: string; subject: string; floor: string; target?: string; limit?: number },
  t: { subject: Timing; floor: Timing },
): RatioResult {
  const ratio = t.subject.medianMs / t.floor.medianMs;
  const out: RatioResult = {
    name: row.name,
    subject: row.subject,
    floor: row.floor,
    subjectMs: t.subject.medianMs,
    floorMs: t.floor.medianMs,
    ratio,
  };
  if (row.target !== undefined) out.target = row.target;
  if (row.limit !== undefined) out.met = ratio <= row.limit;
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeOnce(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Times `subject` and `floor` alternately (`runs` times each, after `warmup` untimed runs of
 * each); `setupSubject` / `setupFloor` run before every timed run of their side, untimed.
 * No full GC is forced between runs: after one, V8 shrinks the young generation and a run that
 * allocates much pays for extra scavenges (chain open measured 4x instead of 2.4x that way).
 */
export async function compare(opts: {
  runs?: number;
  warmup?: number;
  subject: () => unknown;
  floor: () => unknown;
  setupSubject?: () => unknown;
  setupFloor?: () => unknown;
}): Promise<{ subject: Timing; floor: Timing }> {
  const runs = opts.runs ?? 7;
  const warmup = opts.warmup ?? 1;
  const s: number[] = [];
  const f: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    await opts.setupFloor?.();
    const tf = await timeOnce(opts.floor);
    await opts.setupSubject?.();
    const ts = await timeOnce(opts.subject);
    if (i >= warmup) {
      f.push(tf);
      s.push(ts);
    }
  }
  return { subject: { medianMs: median(s), samplesMs: s }, floor: { medianMs: median(f), samplesMs: f } };
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version} (OpenSSL ${process.versions.openssl})`;
}

export function formatTable(results: RatioResult[]): string {
  const ms = (x: number): string => (x < 1 ? x.toFixed(3) : x.toFixed(1));
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${ms(r.subjectMs)} ms | ${r.floor}: ${ms(r.floorMs)} ms | **${r.ratio.toFixed(3)}×** | ${r.target ?? ''} ${r.met === undefined ? '' : r.met ? '✓' : '✗'} |`,
  );
  return [
    '| benchmark | tlock | floor (same process) | ratio | target |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
