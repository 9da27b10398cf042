import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { NETMAP_PARALLEL_MIN_PEERS } from '../../src/limits.js';
import { computeVerdict } from '../../src/netmap/peer-verdict.js';
import type { Netmap, VerdictBatch, VerdictBatcher, VerdictClaim } from '../../src/netmap/types.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { type FakeAuthority, peer } from './fixtures.js';

// NetmapVerifier.prefetch checks the signatures a map response seems to carry while its bytes
// arrive. It may only save time: whatever bytes it is given, and whatever happens before
// filterAsync, the result is the result of a fresh verifier's filter.

const admin = generateSigningKey();
const stranger = generateSigningKey();
const PEERS = NETMAP_PARALLEL_MIN_PEERS + 44;

/** Peers signed by the admin, every seventh by a stranger. */
function response(): { Peers: Record<string, unknown>[] } {
  return {
    Peers: Array.from({ length: PEERS }, (_, i) => {
      const key = newNodeKey();
      return peer(i + 1, key, signNodeKey(i % 7 === 0 ? stranger : admin, key));
    }),
  };
}

/** The same peers, each with the next one's signature: every pair a scan of `resp` finds is wrong. */
function shiftedSignatures(resp: { Peers: Record<string, unknown>[] }): Netmap {
  const peers = resp.Peers;
  return {
    Peers: peers.map((p, i) => ({ ...p, KeySignature: peers[(i + 1) % peers.length]!['KeySignature'] })),
  };
}

/**
 * A batcher that computes verdicts in this thread when `release` is called (all batches so far),
 * or at once when `hold` is false, and records the claims of each batch.
 */
class RecordingBatcher implements VerdictBatcher {
  readonly batches: VerdictClaim[][] = [];
  readonly #held: (() => void)[] = [];
  constructor(
    readonly hold = false,
    readonly fail = false,
  ) {}

  verdicts(): never {
    throw new Error('only start() is expected');
  }

  start(
    state: Parameters<VerdictBatcher['verdicts']>[0],
    sink: Parameters<NonNullable<VerdictBatcher['start']>>[1],
  ): VerdictBatch {
    const claims: VerdictClaim[] = [];
    this.batches.push(claims);
    let settled: Promise<void> | undefined;
    const run = async (): Promise<void> => {
      if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
      if (this.fail) throw new Error('the workers failed');
      sink(
        claims,
        claims.map(([k, s]) => computeVerdict(state, k, s)),
        0,
      );
    };
    return {
      add: (key, sig) => void claims.push([key, sig]),
      finish: () => (settled ??= run()),
    };
  }

  release(): void {
    for (const r of this.#held.splice(0)) r();
  }
}

/** Feeds `bytes` to a prefetch in pieces of 1 000 bytes, as a pipe would deliver them. */
function prefetchBytes(verifier: NetmapVerifier, bytes: Buffer): void {
  const prefetch = verifier.prefetch()!;
  for (let at = 0; at < bytes.length; at += 1000) prefetch.push(bytes.subarray(at, at + 1000));
  prefetch.arrived();
}

/** A response, an authority trusting its admin, and a verifier on `batcher` that was fed the response's bytes. */
function prefetched(batcher: RecordingBatcher): {
  resp: { Peers: Record<string, unknown>[] };
  authority: FakeAuthority;
  verifier: NetmapVerifier;
} {
  const resp = response();
  const authority: FakeAuthority = { head: 'H1', state: stateTrusting(admin) };
  const verifier = new NetmapVerifier(authority, { batcher });
  prefetchBytes(verifier, Buffer.from(JSON.stringify(resp)));
  return { resp, authority, verifier };
}

describe('NetmapVerifier.prefetch', () => {
  it('checks the response’s signatures before filterAsync, which then checks none itself', async () => {
    const batcher = new RecordingBatcher();
    const { resp, authority, verifier } = prefetched(batcher);
    expect(batcher.batches).toHaveLength(1);
    expect(batcher.batches[0]!.map(([, s]) => s)).toEqual(resp.Peers.map((p) => p['KeySignature']));
    const result = await verifier.filterAsync(resp);
    expect(batcher.batches).toHaveLength(1); // nothing left to check
    expect(result).toEqual(new NetmapVerifier(authority).filter(resp));
    expect(result.dropped).toHaveLength(Math.ceil(PEERS / 7));
  });

  it('gives a fresh verifier’s result when every pair it guessed is wrong', async () => {
    const batcher = new RecordingBatcher();
    const { resp, authority, verifier } = prefetched(batcher);
    const shifted = shiftedSignatures(resp);
    const result = await verifier.filterAsync(shifted);
    expect(result).toEqual(new NetmapVerifier(authority).filter(shifted));
    expect(result.dropped).toHaveLength(PEERS); // no peer carries its own signature
    expect(batcher.batches).toHaveLength(2); // the real pairs were checked by filterAsync
  });

  it('keeps no verdict from before the head moved, even one that arrives after', async () => {
    const batcher = new RecordingBatcher(true);
    const { resp, authority, verifier } = prefetched(batcher);
    // The admin is no longer trusted; filter (which waits for nothing) runs under the new head.
    authority.head = 'H2';
    authority.state = stateTrusting(stranger);
    const fresh = new NetmapVerifier(authority).filter(resp);
    expect(verifier.filter(resp)).toEqual(fresh);
    batcher.release(); // the verdicts computed under H1 arrive now
    await new Promise((resolve) => setImmediate(resolve));
    expect(verifier.filter(resp)).toEqual(fresh);
    expect(await verifier.filterAsync(resp)).toEqual(fresh);
    expect(fresh.dropped).toHaveLength(PEERS - Math.ceil(PEERS / 7));
  });

  it('leaves filterAsync to check everything when the prefetch’s workers fail', async () => {
    const { resp, authority, verifier } = prefetched(new RecordingBatcher(false, true));
    expect(await verifier.filterAsync(resp)).toEqual(new NetmapVerifier(authority).filter(resp));
  });

  it('is not offered without a batcher', () => {
    const verifier = new NetmapVerifier({ head: 'H1', state: stateTrusting(admin) });
    expect(verifier.prefetch()).toBeUndefined();
  });

  it('ignores bytes pushed after the response arrived', async () => {
    const resp = response();
    const authority: FakeAuthority = { head: 'H1', state: stateTrusting(admin) };
    const batcher = new RecordingBatcher();
    const verifier = new NetmapVerifier(authority, { batcher });
    const prefetch = verifier.prefetch()!;
    prefetch.arrived();
    prefetch.push(Buffer.from(JSON.stringify(resp)));
    expect(batcher.batches).toHaveLength(0);
    const key = newNodeKey();
    const single = {
      Peers: [{ ...peer(1, key), KeySignature: b64(signNodeKey(admin, key)), Key: nodeKeyText(key) }],
    };
    expect((await verifier.filterAsync(single)).dropped).toEqual([]);
  });
});
