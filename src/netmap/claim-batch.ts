import { NETMAP_PARALLEL_MIN_PEERS } from '../limits.js';
import type { State } from '../model/state.js';
import type { PeerVerdict, VerdictBatch, VerdictBatcher, VerdictClaim, VerdictSink } from './types.js';
import { fingerprint } from './verdict-cache.js';

/**
 * The uncached claims of one map response on their way to a `VerdictBatcher`, as the verifier
 * finds them: nothing is sent until NETMAP_PARALLEL_MIN_PEERS claims are found (a smaller batch is
 * cheaper checked in-thread), then every claim is posted at once, and each verdict handed to
 * `sink` as it comes back, while the rest are still being found and checked. A signature text
 * is claimed once; repeats are found by fingerprint, the full text compared only on a match.
 */
export class ClaimBatch {
  readonly #claims: VerdictClaim[] = [];
  /** By claim; filled as verdicts come back, in any order (so it is made as long as the claims). */
  readonly #verdicts: (PeerVerdict | undefined)[] = [];
  readonly #seen = new Map<number, string>();
  #batch: VerdictBatch | undefined;

  constructor(
    readonly batcher: VerdictBatcher,
    readonly state: State,
    readonly sink: (key: string, sig: string, verdict: PeerVerdict) => void,
  ) {}

  /** Whether the claims went to the batcher (else the caller checks them itself). */
  get started(): boolean {
    return this.#batch !== undefined;
  }

  get size(): number {
    return this.#claims.length;
  }

  /** Adds a claim unless its signature text is already claimed. */
  add(key: string, sig: string): void {
    const fp = fingerprint(sig);
    if (this.#seen.get(fp) === sig) return;
    this.#seen.set(fp, sig);
    this.#claims.push([key, sig]);
    this.#verdicts.push(undefined); // a verdict may come back before those of earlier claims
    if (this.#batch !== undefined) this.#batch.add(key, sig);
    else if (this.#claims.length >= NETMAP_PARALLEL_MIN_PEERS) {
      this.#batch = this.#open();
      for (const [k, s] of this.#claims) this.#batch.add(k, s);
    }
  }

  /** Waits for every verdict; rejects when the batcher failed. */
  async finish(): Promise<void> {
    await this.#batch?.finish();
  }

  /** Asks the batcher to hand out work ahead: the caller is about to be busy for a while. */
  runAhead(): void {
    this.#batch?.runAhead?.();
  }

  /** The verdicts of this batch beside the claims, for a cache too small to keep them all. */
  verdicts(): Map<string, { key: string; verdict: PeerVerdict }> {
    const out = new Map<string, { key: string; verdict: PeerVerdict }>();
    this.#claims.forEach(([key, sig], i) => out.set(sig, { key, verdict: this.#verdicts[i]! }));
    return out;
  }

  #open(): VerdictBatch {
    const sink: VerdictSink = (claims, verdicts, first) => {
      for (let i = 0; i < claims.length; i++) {
        const [key, sig] = claims[i]!;
        this.#verdicts[first + i] = verdicts[i]!;
        this.sink(key, sig, verdicts[i]!);
      }
    };
    return this.batcher.start?.(this.state, sink) ?? collectingBatch(this.batcher, this.state, sink);
  }
}

/** A batch for a batcher that takes all its claims at once (`verdicts` only). */
function collectingBatch(batcher: VerdictBatcher, state: State, sink: VerdictSink): VerdictBatch {
  const claims: VerdictClaim[] = [];
  return {
    add: (key, sig) => void claims.push([key, sig]),
    finish: async () => sink(claims, await batcher.verdicts(state, claims), 0),
  };
}
