import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TlockError } from '../errors.js';
import type { State } from '../model/state.js';
import type {
  PeerVerdict,
  VerdictBatch,
  VerdictBatcher,
  VerdictClaim,
  VerdictSink,
} from '../netmap/types.js';
import type { WorkerMessage, WorkerResult } from './verdict-worker.js';

export interface VerdictPoolOptions {
  /** Worker threads; defaults to the machine's available parallelism. */
  size?: number;
  /** The compiled worker module; defaults to verdict-worker.js beside this module. */
  workerUrl?: URL;
}

/**
 * Claims per message. Small enough that the workers start on the first ones while the rest are
 * still being found and finish together (a worker on a slower vCPU simply takes fewer chunks);
 * large enough that posting costs little beside ~50 µs of verification per claim.
 */
export const POOL_CHUNK_CLAIMS = 128;
/** Chunks each worker holds at once: the next one is there when it finishes one. */
const IN_FLIGHT_PER_WORKER = 2;
/**
 * The share of waiting chunks `runAhead` hands out at once, spread over the workers. The rest
 * still go to whichever worker asks first, so a worker on a slower vCPU does not end up last.
 */
const RUN_AHEAD_SHARE = 0.5;

interface PoolWorker {
  readonly thread: Worker;
  /** The batch whose state this worker holds. */
  stateOf: number;
  inFlight: number;
}

/** One batch: its chunks waiting, the ones out, and where the verdicts go. */
class PoolBatch implements VerdictBatch {
  readonly queue: number[] = [];
  readonly chunks: VerdictClaim[][] = [];
  #pending: VerdictClaim[] = [];
  out = 0;
  /** Chunks that may still go out beyond IN_FLIGHT_PER_WORKER (see `runAhead`). */
  ahead = 0;
  ended = false;
  failure: Error | undefined;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (e: Error) => void;

  constructor(
    readonly id: number,
    readonly state: State,
    readonly sink: VerdictSink,
    readonly dispatch: () => void,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => {}); // observed through finish()
  }

  add(key: string, sig: string): void {
    if (this.ended) throw new TlockError('INVALID_ARGUMENT', 'VerdictPool: the batch is finished');
    this.#pending.push([key, sig]);
    if (this.#pending.length >= POOL_CHUNK_CLAIMS) this.#post();
  }

  #post(): void {
    this.queue.push(this.chunks.length);
    this.chunks.push(this.#pending);
    this.#pending = [];
    this.dispatch();
  }

  finish(): Promise<void> {
    if (!this.ended) {
      if (this.#pending.length > 0) this.#post();
      this.ended = true;
      this.settleIfDone();
    }
    return this.done.catch((e: Error) => {
      throw new TlockError('INTERNAL', `parallel signature checks failed: ${e.message}`, { cause: e });
    });
  }

  runAhead(): void {
    this.ahead = Math.ceil(this.queue.length * RUN_AHEAD_SHARE);
    this.dispatch();
  }

  settleIfDone(): void {
    if (this.failure === undefined && this.ended && this.queue.length === 0 && this.out === 0) this.resolve();
  }

  fail(e: Error): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.queue.length = 0;
    this.reject(e);
  }
}

/**
 * Worker threads that check node-key signatures in parallel, started once (by `warm`, or on
 * first use) and reused for every netmap. A batch is a pipeline: claims are posted in chunks as
 * they are found, each worker pulls the next chunk when it finishes one, and each chunk's
 * verdicts go to the batch's sink as they arrive. Idle workers do not keep the process alive.
 */
export class VerdictPool implements VerdictBatcher {
  readonly size: number;
  readonly #workerUrl: URL;
  #workers: PoolWorker[] | undefined;
  /** Batches not yet settled, oldest first: their chunks are dispatched in that order. */
  readonly #batches = new Map<number, PoolBatch>();
  #nextBatch = 0;
  #closed = false;

  constructor(options: VerdictPoolOptions = {}) {
    const size = options.size ?? availableParallelism();
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        `VerdictPool: size must be a positive integer, got ${String(size)}`,
      );
    }
    this.size = size;
    this.#workerUrl = options.workerUrl ?? new URL('./verdict-worker.js', import.meta.url);
  }

  /**
   * Starts the workers now and has each run the verification code once on made-up signatures,
   * in the background: the first real batch then pays neither the spawn nor the compilation.
   * Resolves when they are warm (or failed: a broken pool is rebuilt on next use).
   */
  async warm(): Promise<void> {
    const workers = this.#start();
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const done = (m: WorkerResult): void => {
              if ('warmed' in m) {
                w.thread.off('message', done);
                resolve();
              }
            };
            w.thread.on('message', done);
            w.thread.once('exit', () => resolve());
            w.thread.postMessage({ type: 'warm' } satisfies WorkerMessage);
          }),
      ),
    );
  }

  #start(): PoolWorker[] {
    if (this.#closed) throw new TlockError('INVALID_ARGUMENT', 'VerdictPool: the pool is closed');
    if (this.#workers !== undefined) return this.#workers;
    const workers = Array.from({ length: this.size }, (): PoolWorker => {
      const thread = new Worker(this.#workerUrl);
      const w: PoolWorker = { thread, stateOf: -1, inFlight: 0 };
      thread.on('message', (result: WorkerResult) => this.#settle(w, result));
      thread.on('error', (e) => this.#failAll(workers, e));
      thread.on('exit', (code) => {
        if (!this.#closed) this.#failAll(workers, new Error(`a verification worker exited (code ${code})`));
      });
      thread.unref();
      return w;
    });
    this.#workers = workers;
    return workers;
  }

  /** Starts a batch under `state`; verdicts go to `sink` chunk by chunk, in no set order. */
  start(state: State, sink: VerdictSink): VerdictBatch {
    this.#start();
    const batch = new PoolBatch(this.#nextBatch++, state, sink, () => this.#dispatch());
    this.#batches.set(batch.id, batch);
    void batch.done.then(
      () => this.#batches.delete(batch.id),
      () => this.#batches.delete(batch.id),
    );
    return batch;
  }

  /** Verdicts for `claims`, in order. */
  async verdicts(state: State, claims: readonly VerdictClaim[]): Promise<PeerVerdict[]> {
    if (claims.length === 0) return [];
    const out = new Array<PeerVerdict>(claims.length);
    const batch = this.start(state, (_, verdicts, first) => {
      verdicts.forEach((v, i) => (out[first + i] = v));
    });
    for (const [key, sig] of claims) batch.add(key, sig);
    await batch.finish();
    return out;
  }

  /** Hands waiting chunks to workers with room, the least busy first. */
  #dispatch(): void {
    const workers = this.#workers;
    if (workers === undefined) return;
    for (const batch of this.#batches.values()) {
      while (batch.queue.length > 0) {
        let w: PoolWorker | undefined;
        for (const c of workers) if (w === undefined || c.inFlight < w.inFlight) w = c;
        if (w === undefined) return;
        if (w.inFlight >= IN_FLIGHT_PER_WORKER) {
          if (batch.ahead === 0) return;
          batch.ahead--;
        }
        const chunk = batch.queue.shift()!;
        if (w.stateOf !== batch.id) {
          w.thread.postMessage({
            type: 'state',
            batch: batch.id,
            state: batch.state,
          } satisfies WorkerMessage);
          w.stateOf = batch.id;
        }
        w.inFlight++;
        batch.out++;
        w.thread.ref();
        w.thread.postMessage({
          type: 'chunk',
          batch: batch.id,
          chunk,
          claims: batch.chunks[chunk]!,
        } satisfies WorkerMessage);
      }
    }
  }

  #settle(w: PoolWorker, result: WorkerResult): void {
    if ('warmed' in result) return;
    w.inFlight--;
    if (w.inFlight === 0) w.thread.unref();
    const batch = this.#batches.get(result.batch);
    if (batch !== undefined && batch.failure === undefined) {
      batch.out--;
      if ('error' in result) batch.fail(new Error(result.error));
      else {
        try {
          const claims = batch.chunks[result.chunk]!;
          const verdicts = result.verdicts.map(
            (v, i): PeerVerdict => v ?? { ok: true, key: claims[i]![0], rotation: undefined },
          );
          batch.sink(claims, verdicts, result.chunk * POOL_CHUNK_CLAIMS);
        } catch (e) {
          batch.fail(e instanceof Error ? e : new Error(String(e)));
        }
        batch.chunks[result.chunk] = []; // done with: let it go
        batch.settleIfDone();
      }
    }
    this.#dispatch();
  }

  #failAll(workers: PoolWorker[], e: Error): void {
    if (this.#workers !== workers) return; // an earlier failure already rebuilt the pool
    // A broken pool is rebuilt on next use.
    for (const w of workers) void w.thread.terminate();
    this.#workers = undefined;
    const batches = [...this.#batches.values()];
    this.#batches.clear();
    for (const b of batches) b.fail(e);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers ?? [];
    this.#workers = undefined;
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }
}
