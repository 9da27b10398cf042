import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from '../harness.js';
import { NETMAP_PEERS } from './netmap.js';

export interface MemoryResult {
  name: string;
  /** Median over the child processes of the peak RSS added by the check (MB). */
  peakRssAddedMB: number | null;
  heapAddedMB: number;
  heapRetainedMB: number;
  runs: number;
  target: string;
  met: boolean;
}

interface ChildFigures {
  peakRssAddedMB: number | null;
  heapAddedMB: number;
  heapRetainedMB: number;
}

/** Peak memory of one cold 10 000-peer check, each run in its own process so the figure is clean. */
export function memoryCase(runs: number): MemoryResult {
  const child = fileURLToPath(new URL('../memory-child.js', import.meta.url));
  const figures: ChildFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--expose-gc', child, String(NETMAP_PEERS)], {
      encoding: 'utf8',
    });
    figures.push(JSON.parse(out) as ChildFigures);
  }
  const peaks = figures.map((f) => f.peakRssAddedMB).filter((x): x is number => x !== null);
  const peak = peaks.length === figures.length ? median(peaks) : null;
  const heapAdded = median(figures.map((f) => f.heapAddedMB));
  return {
    name: `memory of a cold ${NETMAP_PEERS}-peer check`,
    peakRssAddedMB: peak,
    heapAddedMB: heapAdded,
    heapRetainedMB: median(figures.map((f) => f.heapRetainedMB)),
    runs,
    target: '< 100 MB added',
    met: (peak ?? heapAdded) < 100,
  };
}
