import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type AUM, aumHash } from '../../src/model/aum.js';
import { FileStore, LOCK_FILE } from '../../src/store/file-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { runFixture } from './child-runtime.js';
import { chainGenesis, chainNext, sharedAUM } from './fixtures/chain-aums.js';
import { makeTempDir } from '../support/temp-dirs.js';
import { seededRandom } from '../support/seeded-random.js';

// Several processes on one store directory: the lock serialises writers, and SIGKILL at any
// instant leaves a store that opens with every acknowledged AUM.

const nameOf = (aum: AUM): string => hashToBase32(aumHash(aum));

/** Every file under `dir` whose name marks it as a temp file or lock of ours. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.name.includes('.tlock-tmp-') || entry.name.startsWith(LOCK_FILE)) out.push(entry.name);
  }
  return out;
}

describe('the write lock across processes', () => {
  it('never lets two processes hold it at once', async () => {
    const dir = makeTempDir();
    const log = join(dir, 'log');
    const lock = join(dir, 'test.lock');
    const children = ['a', 'b', 'c'].map((tag) => runFixture('lock-holder.ts', [lock, log, tag, '25']));
    const codes = await Promise.all(children.map((c) => c.exited));
    expect(codes, children.map((c) => c.stderr()).join('\n')).toEqual([0, 0, 0]);
    const entries = readFileSync(log, 'utf8').trim().split('\n');
    expect(entries.length).toBe(3 * 25 * 2);
    for (let i = 0; i < entries.length; i += 2) {
      const tag = entries[i]!.split(' ')[0];
      expect([entries[i], entries[i + 1]]).toEqual([`${tag} in`, `${tag} out`]);
    }
    expect(existsSync(lock)).toBe(false);
  });
});

describe('FileStore with two writing processes', () => {
  it('ends with every AUM of both, no corruption and no leftovers', async () => {
    const dir = makeTempDir();
    const count = 40;
    const writers = [1, 2].map((tag) => runFixture('writer.ts', [dir, String(tag), String(count)]));
    const codes = await Promise.all(writers.map((w) => w.exited));
    expect(codes, writers.map((w) => w.stderr()).join('\n')).toEqual([0, 0]);

    const store = await FileStore.open(dir);
    const expected = new Set<string>();
    const tips: AUM[] = [];
    for (const tag of [1, 2]) {
      let aum = chainGenesis(tag);
      expected.add(nameOf(aum));
      for (let i = 1; i <= count; i++) expected.add(nameOf((aum = chainNext(aum))));
      tips.push(aum);
    }
    const shared: AUM[] = [];
    for (let i = 4; i <= count; i += 4) shared.push(sharedAUM(i));
    shared.forEach((a) => expected.add(nameOf(a)));

    expect((await store.allAUMs()).map(hashToBase32).sort()).toEqual([...expected].sort());
    expect((await store.heads()).map(nameOf).sort()).toEqual([...tips, ...shared].map(nameOf).sort());
    expect((await store.lastActiveAncestor())?.length).toBe(32);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('FileStore under SIGKILL', () => {
  it('opens after every kill with every acknowledged AUM present', async () => {
    const dir = makeTempDir();
    const { seed, next: random } = seededRandom('FileStore under SIGKILL');
    const acknowledged: string[] = [];
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const child = runFixture('commit-loop.ts', [dir, String(1 + (round % 3))]);
      // Let it run for a random number of acknowledged commits, then kill it at a random instant.
      const before = child.lines.length;
      await child.linesAtLeast(before + 1 + Math.floor(random() * 12));
      await sleep(random() * 4);
      child.process.kill('SIGKILL');
      const code = await child.exited;
      expect(code, `seed ${seed}, round ${round}: ${child.stderr()}`).toBe('SIGKILL');
      acknowledged.push(...child.lines.filter((l) => /^[0-9a-f]{64}$/.test(l)));

      const store = await FileStore.open(dir);
      for (const hash of acknowledged) {
        expect(
          await store.get(Uint8Array.from(Buffer.from(hash, 'hex'))),
          `seed ${seed}: ${hash}`,
        ).toBeDefined();
      }
      expect((await store.heads()).length, `seed ${seed}, round ${round}`).toBe(1);
      // The hint is either absent or a whole hash: never a torn write.
      const hint = await store.lastActiveAncestor();
      expect(hint === undefined || hint.length === 32, `seed ${seed}, round ${round}`).toBe(true);
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(rounds);
  });
});
