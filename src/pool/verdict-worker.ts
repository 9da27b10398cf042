import { parentPort } from 'node:worker_threads';
import type { State } from '../model/state.js';
import { computeVerdict } from '../netmap/peer-verdict.js';
import type { PeerVerdict } from '../netmap/types.js';

/** A worker thread of the VerdictPool: computes verdicts for the claims it is sent. */

export interface VerdictJob {
  id: number;
  state: State;
  claims: (readonly [string, string])[];
}

export type VerdictJobResult = { id: number; verdicts: PeerVerdict[] } | { id: number; error: string };

parentPort?.on('message', (job: VerdictJob) => {
  let result: VerdictJobResult;
  try {
    result = { id: job.id, verdicts: job.claims.map(([key, sig]) => computeVerdict(job.state, key, sig)) };
  } catch (e) {
    result = { id: job.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(result);
});
