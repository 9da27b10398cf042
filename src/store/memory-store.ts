import { TlockError } from '../errors.js';
import { aumHash, aumParent } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { cloneKey } from '../model/key.js';
import { cloneState } from '../model/state.js';
import { toHex, fromHex, requireBytes } from '../wire/bytes.js';
import { rememberHash } from '../authority/hash-cache.js';
import type { CompactableStore } from '../authority/store.js';

/** A deep copy whose objects and arrays are frozen (byte arrays cannot be frozen: never write them). */
function immutableCopy(aum: AUM): AUM {
  const out: AUM = {
    messageKind: aum.messageKind,
    prevAUMHash: aum.prevAUMHash === null ? null : aum.prevAUMHash.slice(),
  };
  if (aum.key !== undefined) out.key = cloneKey(aum.key);
  if (aum.keyID !== undefined) out.keyID = aum.keyID.slice();
  if (aum.state !== undefined) out.state = cloneState(aum.state);
  if (aum.votes !== undefined) out.votes = aum.votes;
  if (aum.meta !== undefined) out.meta = { ...aum.meta };
  if (aum.signatures !== undefined) {
    out.signatures = aum.signatures.map((s) => ({
      keyID: s.keyID === null ? null : s.keyID.slice(),
      signature: s.signature === null ? null : s.signature.slice(),
    }));
  }
  return deepFreeze(out);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Runs `fn`, turning a throw into a rejected promise (every store method is async). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

interface Entry {
  aum: AUM;
  committedAt: number;
}

/**
 * An in-memory AUM store (Tailscale's Mem). AUMs are copied on commit and handed out as
 * frozen objects that callers must treat as immutable. `clock` (ms since the epoch) gives
 * commit times, for compaction tests.
 */
export class MemoryStore implements CompactableStore {
  readonly #aums = new Map<string, Entry>();
  /** parent → children, by hex hash. Entries outlive a purged parent (its children stay findable). */
  readonly #children = new Map<string, string[]>();
  #lastActiveAncestor: Uint8Array | undefined;
  readonly #clock: () => number;

  constructor(opts: { clock?: () => number } = {}) {
    this.#clock = opts.clock ?? Date.now;
  }

  get(hash: Uint8Array): Promise<AUM | undefined> {
    return settle(() => this.#aums.get(toHex(requireBytes(hash, 'MemoryStore.get: hash')))?.aum);
  }

  children(hash: Uint8Array): Promise<AUM[]> {
    return settle(() => this.#childrenOf(hash));
  }

  #childrenOf(hash: Uint8Array): AUM[] {
    const kids = this.#children.get(toHex(requireBytes(hash, 'MemoryStore.children: hash'))) ?? [];
    const out: AUM[] = [];
    for (const k of kids) {
      const e = this.#aums.get(k);
      if (e !== undefined) out.push(e.aum);
    }
    return out;
  }

  heads(): Promise<AUM[]> {
    const out: AUM[] = [];
    for (const [hex, e] of this.#aums) {
      if (!(this.#children.get(hex) ?? []).some((k) => this.#aums.has(k))) out.push(e.aum);
    }
    return Promise.resolve(out);
  }

  commit(aums: AUM[]): Promise<void> {
    return settle(() => this.#commit(aums));
  }

  #commit(aums: AUM[]): void {
    if (!Array.isArray(aums)) {
      throw new TlockError('INVALID_ARGUMENT', 'MemoryStore.commit: expected an array of AUMs');
    }
    // Copy and hash everything first, so a malformed AUM leaves the store untouched.
    const copies = aums.map((a) => {
      const copy = immutableCopy(a);
      const hash = aumHash(copy);
      rememberHash(copy, hash);
      return { copy, hex: toHex(hash) };
    });
    const now = this.#clock();
    for (const { copy, hex } of copies) {
      // The first commit time of a live AUM is kept (as Tailscale's FS does).
      const existing = this.#aums.get(hex);
      this.#aums.set(hex, { aum: existing?.aum ?? copy, committedAt: existing?.committedAt ?? now });
      const parent = aumParent(copy);
      if (parent === undefined) continue;
      const p = toHex(parent);
      const kids = this.#children.get(p) ?? [];
      if (!kids.includes(hex)) kids.push(hex);
      this.#children.set(p, kids);
    }
  }

  lastActiveAncestor(): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.#lastActiveAncestor?.slice());
  }

  setLastActiveAncestor(hash: Uint8Array): Promise<void> {
    return settle(() => {
      this.#lastActiveAncestor = requireBytes(hash, 'MemoryStore.setLastActiveAncestor: hash', 32).slice();
    });
  }

  allAUMs(): Promise<Uint8Array[]> {
    return Promise.resolve([...this.#aums.keys()].map((hex) => fromHex(hex)));
  }

  commitTime(hash: Uint8Array): Promise<number | undefined> {
    return settle(
      () => this.#aums.get(toHex(requireBytes(hash, 'MemoryStore.commitTime: hash')))?.committedAt,
    );
  }

  purge(hashes: Uint8Array[]): Promise<void> {
    return settle(() => this.#purge(hashes));
  }

  #purge(hashes: Uint8Array[]): void {
    for (const h of hashes) {
      const hex = toHex(requireBytes(h, 'MemoryStore.purge: hash'));
      const e = this.#aums.get(hex);
      if (e === undefined) continue;
      this.#aums.delete(hex);
      const parent = aumParent(e.aum);
      if (parent === undefined) continue;
      const p = toHex(parent);
      const kids = (this.#children.get(p) ?? []).filter((k) => k !== hex);
      this.#children.set(p, kids);
    }
  }
}
