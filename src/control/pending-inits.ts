import { bytesEqual } from '../wire/bytes.js';
import type { PendingInitRecord, PendingInits } from './tailnet-store.js';

/** Whether two records are the same init (one node key, one genesis, one begin). */
export function sameInit(a: PendingInitRecord, b: PendingInitRecord): boolean {
  return a.expires === b.expires && bytesEqual(a.nodeKey, b.nodeKey) && bytesEqual(a.genesis, b.genesis);
}

function copyInit(r: PendingInitRecord): PendingInitRecord {
  return {
    nodeKey: r.nodeKey.slice(),
    genesis: r.genesis.slice(),
    need: r.need.map((n) => ({
      ...n,
      nodePublic: n.nodePublic.slice(),
      rotationPubkey: n.rotationPubkey.slice(),
    })),
    expires: r.expires,
  };
}

/**
 * Inits in progress in this process's memory: enough for a data directory, which one server
 * process serves (a restart forgets them; the admin sends init/begin again).
 */
export class MemoryPendingInits implements PendingInits {
  readonly #inits = new Map<string, PendingInitRecord>();

  get(tailnet: string): Promise<PendingInitRecord | undefined> {
    const r = this.#inits.get(tailnet);
    return Promise.resolve(r === undefined ? undefined : copyInit(r));
  }

  begin(tailnet: string, init: PendingInitRecord, now: number): Promise<boolean> {
    for (const [name, r] of this.#inits) if (r.expires <= now) this.#inits.delete(name);
    const current = this.#inits.get(tailnet);
    if (current !== undefined && !bytesEqual(current.nodeKey, init.nodeKey)) return Promise.resolve(false);
    this.#inits.set(tailnet, copyInit(init));
    return Promise.resolve(true);
  }

  end(tailnet: string, init: PendingInitRecord): Promise<void> {
    const current = this.#inits.get(tailnet);
    if (current !== undefined && sameInit(current, init)) this.#inits.delete(tailnet);
    return Promise.resolve();
  }
}
