import { readFileSync, writeFileSync } from 'node:fs';
import { type Netmap, NetmapVerifier } from '../src/index.js';
import { buildNetmapFixture } from './netmap-fixture.js';

/*
 * Run by bench/cases/memory.ts in a fresh process (`node --expose-gc`), so that nothing else
 * the benchmark allocated is counted: builds the netmap, collects garbage, resets the peak RSS,
 * then runs one cold 10 000-peer check and prints what it added, as JSON.
 */

interface MemoryFigures {
  peers: number;
  /** Peak RSS during the check minus RSS before it (MB); null where /proc is not available. */
  peakRssAddedMB: number | null;
  /** JS heap in use right after the check minus before it (garbage included), MB. */
  heapAddedMB: number;
  /** JS heap still in use after a full GC, with the verifier (and its cache) alive, MB. */
  heapRetainedMB: number;
  checkMs: number;
}

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

function procStatusKB(field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // Linux: VmHWM := VmRSS
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const peers = Number(process.argv[2] ?? 10_000);
  const fixture = await buildNetmapFixture(peers);
  const netmap = JSON.parse(JSON.stringify(fixture.netmap)) as Netmap; // as a node receives it
  const verifier = new NetmapVerifier(fixture.authority);
  gc();
  gc();
  const canPeak = resetPeakRss();
  const rss0 = procStatusKB('VmRSS');
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const verdict = verifier.filter(netmap);
  const checkMs = performance.now() - t0;
  const heapAfter = process.memoryUsage().heapUsed;
  const hwm = procStatusKB('VmHWM');
  if ((verdict.netmap.Peers as unknown[]).length !== peers) throw new Error('memory check: peers dropped');
  gc();
  const heapRetained = process.memoryUsage().heapUsed;
  const out: MemoryFigures = {
    peers,
    peakRssAddedMB: canPeak && rss0 !== null && hwm !== null ? (hwm - rss0) / 1024 : null,
    heapAddedMB: (heapAfter - heap0) / MB,
    heapRetainedMB: (heapRetained - heap0) / MB,
    checkMs,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
