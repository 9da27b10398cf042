import { NETMAP_CACHE_MAX_SIGNATURE_TEXT } from '../limits.js';
import type { PeerVerdict } from './verdict.js';

/**
 * Verdicts per (node key, signature), valid for one authority head only: a verdict is a function
 * of the state, and the state is a function of the head, so clearing on every head change is
 * exactly what keeps a revoked key's signatures from surviving. Keyed by the signature text (a
 * signature authorises one node key, so one entry per signature is nearly always enough) with
 * the key text checked on lookup: no per-peer allocation on a hit.
 */
export class VerdictCache {
  #head: string | undefined;
  readonly #entries = new Map<string, { keyText: string; verdict: PeerVerdict }>();

  /** `capacity` 0 turns caching off. */
  constructor(readonly capacity: number) {}

  /** Drops every verdict when the authority's head is not the one they were computed under. */
  useHead(head: string): void {
    if (head !== this.#head) {
      this.#entries.clear();
      this.#head = head;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get(sigText: string, keyText: string): PeerVerdict | undefined {
    const entry = this.#entries.get(sigText);
    return entry !== undefined && entry.keyText === keyText ? entry.verdict : undefined;
  }

  set(sigText: string, keyText: string, verdict: PeerVerdict): void {
    if (this.capacity === 0 || sigText.length > NETMAP_CACHE_MAX_SIGNATURE_TEXT) return;
    if (!this.#entries.has(sigText) && this.#entries.size >= this.capacity) {
      // Oldest first: Map iterates in insertion order.
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(sigText, { keyText, verdict });
  }
}
