import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TlockError } from '../errors.js';
import type { State } from '../model/state.js';
import type { PeerVerdict, VerdictBatcher } from '../netmap/types.js';
import type { VerdictJob, VerdictJobResult } from './verdict-worker.js';

export interface VerdictPoolOptions {
  /** Worker threads; defaults to the machine's available parallelism. */
  size?: number;
  /** The compiled worker module; defaults to verdict-worker.js beside this module. */
  workerUrl?: URL;
}

interface Pending {
  resolve: (v: PeerVerdict[]) => void;
  reject: (e: Error) => void;
}

/**
 * Worker threads that check node-key signatures in parallel, started once (lazily, on first
 * use) and reused for every netmap. Idle workers do not keep the process alive.
 */
export class VerdictPool implements VerdictBatcher {
  readonly size: number;
  readonly #workerUrl: URL;
  #workers: Worker[] | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
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

  #start(): Worker[] {
    if (this.#closed) throw new TlockError('INVALID_ARGUMENT', 'VerdictPool: the pool is closed');
    if (this.#workers !== undefined) return this.#workers;
    this.#workers = Array.from({ length: this.size }, () => {
      const w = new Worker(this.#workerUrl);
      w.on('message', (result: VerdictJobResult) => this.#settle(result));
      w.on('error', (e) => this.#failAll(e));
      w.on('exit', (code) => {
        if (!this.#closed) this.#failAll(new Error(`a verification worker exited (code ${code})`));
      });
      w.unref();
      return w;
    });
    return this.#workers;
  }

  #settle(result: VerdictJobResult): void {
    const p = this.#pending.get(result.id);
    if (p === undefined) return;
    this.#pending.delete(result.id);
    if ('error' in result) p.reject(new Error(result.error));
    else p.resolve(result.verdicts);
    if (this.#pending.size === 0) for (const w of this.#workers ?? []) w.unref();
  }

  #failAll(e: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    // A broken pool is rebuilt on next use.
    for (const w of this.#workers ?? []) void w.terminate();
    this.#workers = undefined;
    for (const p of pending) p.reject(e);
  }

  /** Verdicts for `claims`, in order, split evenly across the workers. */
  async verdicts(state: State, claims: readonly (readonly [string, string])[]): Promise<PeerVerdict[]> {
    if (claims.length === 0) return [];
    const workers = this.#start();
    const chunk = Math.ceil(claims.length / workers.length);
    const parts: Promise<PeerVerdict[]>[] = [];
    for (let i = 0, w = 0; i < claims.length; i += chunk, w++) {
      const id = this.#nextId++;
      const job: VerdictJob = { id, state, claims: claims.slice(i, i + chunk) };
      const worker = workers[w]!;
      worker.ref();
      parts.push(
        new Promise<PeerVerdict[]>((resolve, reject) => {
          this.#pending.set(id, { resolve, reject });
          worker.postMessage(job);
        }),
      );
    }
    try {
      return (await Promise.all(parts)).flat();
    } catch (e) {
      throw new TlockError('INTERNAL', `parallel signature checks failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers ?? [];
    this.#workers = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
