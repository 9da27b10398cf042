import type { AuthorityView } from '../src/netmap/types.js';
import { readMapResponseBytes } from '../src/netmap/map-response-bytes.js';
import { NetmapVerifier } from '../src/netmap/verifier.js';
import { madeUpSignatures } from '../src/pool/warm-up.js';
import type { VerdictPool } from '../src/pool/verdict-pool.js';
import { answerCarrying } from './answer-quoting.js';

/**
 * Peers in the made-up map response: past NETMAP_PARALLEL_MIN_PEERS, so that the claims go through
 * the pool as a real response's do, and enough calls for V8 to compile the path.
 */
const WARM_UP_PEERS = 512;

/**
 * Runs the hook's own path (the scan of the arriving bytes, reading the response from its bytes
 * as Go does, claims posted to the pool and folded back, the check before quoting) once on a made-up
 * map response, judged by a
 * throwaway verifier against a made-up state that trusts only a key made up here. The first real
 * response then finds that code compiled (the workers are warmed by `VerdictPool.warm`); nothing
 * of this reaches the hook's own verifier, its cache or its view of the daemon.
 */
export async function warmHookPath(pool: VerdictPool | undefined): Promise<void> {
  const { state, claims } = madeUpSignatures(WARM_UP_PEERS);
  const authority: AuthorityView = { head: 'warm-up', state };
  const peers = claims.map(([key, sig], i) => ({
    ID: i + 1,
    Name: `warm-up-${i + 1}`,
    Key: key,
    KeySignature: sig,
  }));
  const text = JSON.stringify({ Peers: peers });
  const verifier = new NetmapVerifier(authority, pool === undefined ? {} : { batcher: pool });
  const prefetch = verifier.prefetch();
  const bytes = Buffer.from(text);
  // In pieces, as a pipe delivers a line.
  for (let at = 0; at < bytes.length; at += 16 * 1024) prefetch?.push(bytes.subarray(at, at + 16 * 1024));
  prefetch?.arrived();
  const resp = readMapResponseBytes(bytes, prefetch?.texts) ?? (JSON.parse(text) as Record<string, unknown>);
  const verdict = await verifier.filterAsync(resp);
  answerCarrying(verdict.netmap, resp, { text, bytes: [bytes] }, {}); // the decision only: nothing is written
}
