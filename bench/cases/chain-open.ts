import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authority, FileStore } from '../../src/index.js';
import { type RatioResult, compare, ratioResult } from '../harness.js';
import { buildFileChain } from '../chain-fixture.js';

export const CHAIN_AUMS = 1000;

/** The floor: list the store directory and read every file in it, synchronously (the fastest way in Node). */
function readRaw(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const file of readdirSync(path)) bytes += readFileSync(join(path, file)).length;
    } else {
      bytes += readFileSync(path).length;
    }
  }
  return bytes;
}

export async function chainOpenCase(runs: number): Promise<RatioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tlock-bench-chain-'));
  try {
    const head = await buildFileChain(join(dir, 'tka'), CHAIN_AUMS);
    const storeDir = join(dir, 'tka');
    const t = await compare({
      runs,
      subject: async () => {
        const authority = await Authority.open(await FileStore.open(storeDir));
        if (authority.head !== head) throw new Error('chain open: wrong head');
      },
      floor: () => readRaw(storeDir),
    });
    return ratioResult(
      {
        name: `open a ${CHAIN_AUMS}-AUM file-backed chain`,
        subject: 'FileStore.open + Authority.open',
        floor: `readdir + readFile of its files`,
        target: '≤ 1.5×',
        limit: 1.5,
      },
      t,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
