import { afterAll, describe, expect, it } from 'vitest';
import { TlockError } from '../../src/errors.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { computeVerdict } from '../../src/netmap/peer-verdict.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import type { PeerVerdict, VerdictBatcher } from '../../src/netmap/types.js';
import { POOL_CHUNK_CLAIMS, VerdictPool } from '../../src/pool/verdict-pool.js';
import { warmUpVerdicts } from '../../src/pool/warm-up.js';
import { ClaimBatch } from '../../src/netmap/claim-batch.js';
import { fingerprint } from '../../src/netmap/verdict-cache.js';
import { NETMAP_PARALLEL_MIN_PEERS } from '../../src/limits.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { newNodeKey, stateTrusting } from '../nks-fixtures.js';
import { type FakeAuthority, peer } from '../netmap/fixtures.js';

// Workers run compiled JavaScript: `npm test` builds dist/ before vitest runs.
const workerUrl = new URL('../../dist/src/pool/verdict-worker.js', import.meta.url);
const pool = new VerdictPool({ size: 2, workerUrl });
afterAll(() => pool.close());

const admin = generateSigningKey();
const stranger = generateSigningKey();
const state = stateTrusting(admin);

/** 600 peers: good, untrusted, wrong key, malformed and missing signatures (361 distinct signature texts). */
function mixedNetmap(): { Peers: Record<string, unknown>[] } {
  const peers = Array.from({ length: 600 }, (_, i) => {
    const key = newNodeKey();
    switch (i % 5) {
      case 0:
        return peer(i, key, signNodeKey(stranger, key));
      case 1:
        return peer(i, key, signNodeKey(admin, newNodeKey()));
      case 2:
        return { ...peer(i, key), KeySignature: 'not base64!' };
      case 3:
        return peer(i, key);
      default:
        return peer(i, key, signNodeKey(admin, key));
    }
  });
  return { Peers: peers };
}

describe('VerdictPool', () => {
  it('gives exactly the verdicts computeVerdict gives, in order', async () => {
    const claims = mixedNetmap()
      .Peers.filter((p) => typeof p['KeySignature'] === 'string')
      .map((p) => [p['Key'] as string, p['KeySignature'] as string] as const);
    const got = await pool.verdicts(state, claims);
    expect(got).toEqual(claims.map(([k, s]) => computeVerdict(state, k, s)));
  });

  it('answers an empty batch without starting work', async () => {
    expect(await pool.verdicts(state, [])).toEqual([]);
  });

  it('streams a batch: claims posted in chunks as added, each chunk’s verdicts handed back with its position', async () => {
    const claims = mixedNetmap()
      .Peers.filter((p) => typeof p['KeySignature'] === 'string')
      .map((p) => [p['Key'] as string, p['KeySignature'] as string] as const);
    expect(claims.length).toBeGreaterThan(2 * POOL_CHUNK_CLAIMS);
    const got = new Array<PeerVerdict>(claims.length);
    let chunks = 0;
    const batch = pool.start(state, (c, verdicts, first) => {
      chunks++;
      expect(c.length).toBe(verdicts.length);
      c.forEach((claim, i) => {
        expect(claim).toEqual(claims[first + i]);
        got[first + i] = verdicts[i]!;
      });
    });
    // The first chunks go out before the rest is added: let the workers answer one.
    for (const [k, sig] of claims.slice(0, POOL_CHUNK_CLAIMS)) batch.add(k, sig);
    await expect.poll(() => chunks, { timeout: 20_000 }).toBeGreaterThan(0);
    for (const [k, sig] of claims.slice(POOL_CHUNK_CLAIMS)) batch.add(k, sig);
    await batch.finish();
    expect(chunks).toBe(Math.ceil(claims.length / POOL_CHUNK_CLAIMS));
    expect(got).toEqual(claims.map(([k, sig]) => computeVerdict(state, k, sig)));
    expect(() => batch.add(claims[0]![0], claims[0]![1])).toThrowError(/finished/);
  });

  it('warms its workers in the background, and batches run on them afterwards', async () => {
    const warmed = new VerdictPool({ size: 2, workerUrl });
    try {
      await warmed.warm();
      const claims = [[newNodeKey(), admin] as const].map(([k]) => {
        const sig = Buffer.from(signNodeKey(admin, k)).toString('base64');
        return [`nodekey:${Buffer.from(k).toString('hex')}`, sig] as const;
      });
      expect(await warmed.verdicts(state, claims)).toEqual(
        claims.map(([k, sig]) => computeVerdict(state, k, sig)),
      );
    } finally {
      await warmed.close();
    }
  });

  it('the warm-up accepts every signature it makes (the code it compiles is the code that accepts)', () => {
    expect(warmUpVerdicts()).toBe(128 * 3);
  });

  it('fails the batch, not the process, when a worker dies mid-batch', async () => {
    const broken = new VerdictPool({ size: 1, workerUrl: new URL('data:text/javascript,process.exit(3)') });
    const batch = broken.start(state, () => {});
    for (let i = 0; i < POOL_CHUNK_CLAIMS + 1; i++) batch.add('nodekey:' + '0'.repeat(64), 'AAAA');
    await expect(batch.finish()).rejects.toSatisfy((e) => e instanceof TlockError && e.code === 'INTERNAL');
    await broken.close();
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new VerdictPool({ size: 0 })).toThrowError(/positive integer/);
  });
});

describe('ClaimBatch', () => {
  it('claims a repeated signature text once, and compares texts whose fingerprints collide', async () => {
    // Two texts of one length that differ only at a position the fingerprint does not sample.
    const a = 'A'.repeat(300);
    let b = '';
    for (let i = 0; i < 300 && b === ''; i++) {
      const t = a.slice(0, i) + 'B' + a.slice(i + 1);
      if (fingerprint(t) === fingerprint(a)) b = t;
    }
    expect(b).not.toBe('');
    const seen: string[] = [];
    const batcher: VerdictBatcher = {
      verdicts: (_, claims) => {
        seen.push(...claims.map(([, sig]) => sig));
        return Promise.resolve(claims.map(([key, sig]) => computeVerdict(state, key, sig)));
      },
    };
    const sunk: string[] = [];
    const claims = new ClaimBatch(batcher, state, (_, sig) => sunk.push(sig));
    const key = 'nodekey:' + '1'.repeat(64);
    // Repeats in a row are dropped; texts that share a fingerprint are both claimed (a repeat of
    // one of them after the other would be checked again: wasted work, never a wrong verdict).
    for (const sig of [a, a, b, b]) claims.add(key, sig);
    for (let i = 0; i < NETMAP_PARALLEL_MIN_PEERS; i++) claims.add(key, `S${i}`);
    expect(claims.started).toBe(true);
    await claims.finish();
    expect(seen.slice(0, 2)).toEqual([a, b]);
    expect(seen.length).toBe(2 + NETMAP_PARALLEL_MIN_PEERS);
    expect(sunk).toEqual(seen);
  });

  it('sends nothing for fewer than NETMAP_PARALLEL_MIN_PEERS claims', async () => {
    let calls = 0;
    const batcher: VerdictBatcher = {
      verdicts: () => {
        calls++;
        return Promise.resolve([]);
      },
    };
    const claims = new ClaimBatch(batcher, state, () => {});
    for (let i = 0; i < NETMAP_PARALLEL_MIN_PEERS - 1; i++) claims.add('k', `S${i}`);
    await claims.finish();
    expect(claims.started).toBe(false);
    expect(calls).toBe(0);
  });
});

describe('NetmapVerifier.filterAsync', () => {
  it('gives the same result as filter, through the pool', async () => {
    const netmap = mixedNetmap();
    const authority: FakeAuthority = { head: 'H1', state };
    let batches = 0;
    const counting: VerdictBatcher = {
      verdicts(s, claims) {
        batches++;
        return pool.verdicts(s, claims);
      },
    };
    const parallel = new NetmapVerifier(authority, { batcher: counting });
    const plain = new NetmapVerifier(authority);
    const a = await parallel.filterAsync(netmap);
    expect(batches).toBe(1);
    expect(a).toEqual(plain.filter(netmap));
    expect(a.dropped.length).toBe(480);
    // Warm: everything now comes from the cache, without the pool.
    expect(await parallel.filterAsync(netmap)).toEqual(a);
    expect(batches).toBe(1);
  });

  it('does not use verdicts computed under a head that moved meanwhile', async () => {
    const netmap = mixedNetmap();
    const authority: FakeAuthority = { head: 'H1', state };
    const moving: VerdictBatcher = {
      async verdicts(s, claims): Promise<PeerVerdict[]> {
        const v = await pool.verdicts(s, claims);
        authority.head = 'H2';
        authority.state = stateTrusting(stranger); // admin no longer trusted
        return v;
      },
    };
    const result = await new NetmapVerifier(authority, { batcher: moving }).filterAsync(netmap);
    expect(authority.head).toBe('H2');
    expect(result).toEqual(new NetmapVerifier({ head: 'H2', state: stateTrusting(stranger) }).filter(netmap));
  });

  it('falls back to checking in-thread when the workers fail', async () => {
    const broken = new VerdictPool({ size: 1, workerUrl: new URL('data:text/javascript,process.exit(3)') });
    const netmap = mixedNetmap();
    const authority: FakeAuthority = { head: 'H1', state };
    let failed = false;
    const failing: VerdictBatcher = {
      verdicts: (s, claims) =>
        broken.verdicts(s, claims).catch((e: unknown) => {
          failed = e instanceof TlockError && e.code === 'INTERNAL';
          throw e;
        }),
    };
    const result = await new NetmapVerifier(authority, { batcher: failing }).filterAsync(netmap);
    expect(failed).toBe(true);
    expect(result).toEqual(new NetmapVerifier(authority).filter(netmap));
    await broken.close();
  });
});
