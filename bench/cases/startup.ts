import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { formatTLPrivate } from '../../src/wire/keytext.js';
import { buildFileChain } from '../chain-fixture.js';
import { type RatioResult, compare, ratioResult } from '../harness.js';

export const STARTUP_CHAIN_AUMS = 100;

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** Runs a process to its end; a failure stops the benchmark (a fast error is no measurement). */
function run(args: string[]): void {
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

/**
 * Start-up: whole `tlock` processes against `node -e 0` (a process that loads nothing), timed
 * alternately. `tlock status` opens and checks a 100-AUM chain and this directory's key file;
 * `tlock --help` loads only the dispatcher; `tlock hook --help` loads the hook's module.
 */
export async function startupCases(runs: number): Promise<RatioResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tlock-bench-startup-'));
  try {
    await buildFileChain(join(dir, 'tka'), STARTUP_CHAIN_AUMS);
    writeFileSync(join(dir, 'key'), formatTLPrivate(generateSigningKey().privateKey) + '\n', { mode: 0o600 });
    const floor = (): void => run(['-e', '0']);
    const cases: [string, string[]][] = [
      [`tlock status (${STARTUP_CHAIN_AUMS}-AUM chain)`, ['status', '--dir', dir]],
      ['tlock --help', ['--help']],
      ['tlock hook --help', ['hook', '--help']],
    ];
    const results: RatioResult[] = [];
    for (const [name, args] of cases) {
      const t = await compare({ runs, subject: () => run([CLI, ...args]), floor });
      results.push(
        ratioResult(
          { name: `start-up: ${name}`, subject: name, floor: 'node -e 0', target: '≤ 2×', limit: 2 },
          t,
        ),
      );
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
