import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import type { MemoryResult } from './cases/memory.js';
import { type RatioResult, formatTable } from './harness.js';

export interface BenchReport {
  date: string;
  machine: string;
  results: RatioResult[];
  memory?: MemoryResult;
}

const BEGIN = '<!-- bench:begin (written by `npm run bench -- --write`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

const mb = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(1)} MB`);

export function formatMemory(m: MemoryResult): string {
  return [
    '| memory (median of separate processes) | peak RSS added | JS heap added | JS heap retained | target |',
    '|---|---|---|---|---|',
    `| ${m.name} (${m.runs} processes) | **${mb(m.peakRssAddedMB)}** | ${mb(m.heapAddedMB)} | ${mb(m.heapRetainedMB)} | ${m.target} ${m.met ? '✓' : '✗'} |`,
  ].join('\n');
}

/** The generated part of docs/PERFORMANCE.md: figures, machine, date, targets met. */
export function renderFigures(report: BenchReport): string {
  const targets = [...report.results, ...(report.memory ? [report.memory] : [])].filter(
    (r) => r.met !== undefined,
  );
  const met = targets.filter((r) => r.met).length;
  return [
    BEGIN,
    '',
    `Measured ${report.date} on ${report.machine}.`,
    '',
    formatTable(report.results),
    '',
    ...(report.memory ? [formatMemory(report.memory), ''] : []),
    `Targets met: ${met} of ${targets.length}.`,
    '',
    END,
  ].join('\n');
}

const TEMPLATE = `# Performance

${BEGIN}
${END}
`;

/**
 * Replaces the generated section of `path` (creating the file if needed), keeping the prose
 * around it, and formats the file as `npm run format:check` expects.
 */
export async function writeFigures(path: string, report: BenchReport): Promise<void> {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : TEMPLATE;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + renderFigures(report) + current.slice(end + END.length)
      : current.trimEnd() + '\n\n' + renderFigures(report) + '\n';
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(next, { ...options, filepath: path }));
}
