import { isTlockError } from '../src/errors.js';
import { openLocalAuthority } from './local-authority.js';
import type { ServerConnection, ServerOptionValues } from './server-connection.js';

/*
 * `tlock hook --server URL`: when a map response names a head (TKAInfo.Head) other than ours,
 * sync with the server before filtering, within a time bound. Whatever the sync does, the
 * response is then filtered against the chain stored here: a failed sync (a rollback, a forged
 * AUM, a server that does not answer) never lets anything through, and the answer says so.
 */

/** What the answer's "sync" field says about the sync made (or skipped) for one response. */
export interface HookSyncNote {
  server: string;
  /** The head the map response named. */
  offered: string;
  ok: boolean;
  /** Our head after the sync (ok), or the head we filtered against (not ok). */
  head: string;
  received?: number;
  code?: string;
  message?: string;
}

/** A failed sync is not tried again for the same offered head within this time (a hostile server repeats it). */
const RETRY_MS = 30_000;

export class HookSync {
  #inFlight: Promise<HookSyncNote> | undefined;
  #failed: { offered: string; at: number; note: HookSyncNote } | undefined;

  private constructor(
    readonly conn: ServerConnection,
    readonly stateDir: string,
    readonly timeoutMs: number,
    readonly now: () => number = Date.now,
  ) {}

  static async open(stateDir: string, options: ServerOptionValues, timeoutMs: number): Promise<HookSync> {
    const { openConnection } = await import('./server-connection.js');
    return new HookSync(openConnection(stateDir, options, timeoutMs), stateDir, timeoutMs);
  }

  close(): void {
    this.conn.close();
  }

  /**
   * Syncs when `offered` (the response's TKAInfo.Head) is not `ours`; undefined when no sync was
   * due. Never throws: a failure is the note's message. Bounded by the timeout as a whole; a sync
   * still running then goes on in the background (its writes are verified, and the hook re-reads
   * the store), and no second one starts meanwhile.
   */
  async syncFor(offered: string, ours: string): Promise<HookSyncNote | undefined> {
    if (offered === '' || offered === ours) return undefined;
    const failed = this.#failed;
    if (failed !== undefined && failed.offered === offered && this.now() - failed.at < RETRY_MS) {
      return { ...failed.note, head: ours };
    }
    this.#inFlight ??= this.#sync(offered, ours).finally(() => {
      this.#inFlight = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<HookSyncNote>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            this.#failure(
              offered,
              ours,
              'NETWORK',
              `no answer from ${this.conn.url} within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
      timer.unref();
    });
    try {
      const note = await Promise.race([this.#inFlight, deadline]);
      if (note.ok) this.#failed = undefined;
      else this.#failed = { offered, at: this.now(), note };
      return note;
    } finally {
      clearTimeout(timer);
    }
  }

  async #sync(offered: string, ours: string): Promise<HookSyncNote> {
    try {
      const local = await openLocalAuthority(this.stateDir);
      if (local === undefined) return this.#failure(offered, ours, 'NOT_FOUND', 'no local chain to sync');
      const { syncLocal } = await import('./server-connection.js');
      const r = await syncLocal(this.conn, local);
      return { server: this.conn.url, offered, ok: true, head: r.after, received: r.received };
    } catch (e) {
      const code = isTlockError(e) ? e.code : 'INTERNAL';
      return this.#failure(offered, ours, code, e instanceof Error ? e.message : String(e));
    }
  }

  #failure(offered: string, ours: string, code: string, why: string): HookSyncNote {
    return {
      server: this.conn.url,
      offered,
      ok: false,
      head: ours,
      code,
      message: `sync with ${this.conn.url} failed (${why}); filtered against the local chain (head ${ours})`,
    };
  }
}
