import { parentPort } from 'node:worker_threads';
import type { State } from '../model/state.js';
import { computeVerdict } from '../netmap/peer-verdict.js';
import type { PeerVerdict } from '../netmap/types.js';
import { warmUpVerdicts } from './warm-up.js';

/** A worker thread of the VerdictPool: computes verdicts for the chunks of claims it is sent. */

export type WorkerMessage =
  /** The state of a batch: sent once per batch, before its first chunk, to each worker it uses. */
  | { type: 'state'; batch: number; state: State }
  | { type: 'chunk'; batch: number; chunk: number; claims: (readonly [string, string])[] }
  /** Run the verification code once on made-up signatures, so that a real batch finds it compiled. */
  | { type: 'warm' };

export type WorkerResult =
  /** `null`: authorised, with the claim's own key text and no rotation facts (most verdicts; less to copy). */
  | { batch: number; chunk: number; verdicts: (PeerVerdict | null)[] }
  | { batch: number; chunk: number; error: string }
  | { warmed: true };

let current: { batch: number; state: State } | undefined;

parentPort?.on('message', (message: WorkerMessage) => {
  if (message.type === 'state') {
    current = { batch: message.batch, state: message.state };
    return;
  }
  if (message.type === 'warm') {
    try {
      warmUpVerdicts();
    } finally {
      parentPort!.postMessage({ warmed: true } satisfies WorkerResult);
    }
    return;
  }
  const { batch, chunk } = message;
  let result: WorkerResult;
  try {
    if (current?.batch !== batch) throw new Error(`no state for batch ${batch}`);
    const state = current.state;
    const verdicts = message.claims.map(([key, sig]) => {
      const v = computeVerdict(state, key, sig);
      return v.ok && v.key === key && v.rotation === undefined ? null : v;
    });
    result = { batch, chunk, verdicts };
  } catch (e) {
    result = { batch, chunk, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(result);
});
