import { afterAll, describe, expect, it } from 'vitest';
import { TlockError } from '../../src/errors.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { computeVerdict } from '../../src/netmap/peer-verdict.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import type { PeerVerdict, VerdictBatcher } from '../../src/netmap/types.js';
import { VerdictPool } from '../../src/pool/verdict-pool.js';
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

  it('refuses a size that is not a positive integer', () => {
    expect(() => new VerdictPool({ size: 0 })).toThrowError(/positive integer/);
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
