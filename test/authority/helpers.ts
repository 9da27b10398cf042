import { expect } from 'vitest';
import { type SigningKey, signingKeyFromPrivate } from '../../src/crypto/ed25519.js';
import { AUMKind, aumHash, encodeAUM } from '../../src/model/aum.js';
import type { AUM } from '../../src/model/aum.js';
import type { Key } from '../../src/model/key.js';
import type { State } from '../../src/model/state.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { compareBytes, toHex } from '../../src/wire/bytes.js';
import { signAUM } from '../../src/authority/aum-signing.js';
import type { Authority } from '../../src/authority/authority.js';
import { MemoryStore } from '../../src/store/memory-store.js';

/** A deterministic signing key (seed = 32 × n). */
export function keyOf(n: number): SigningKey {
  return signingKeyFromPrivate(new Uint8Array(32).fill(n));
}

export function trusted(signer: SigningKey, votes = 1, meta?: Record<string, string>): Key {
  const k: Key = { kind: 1, votes, public: signer.publicKey.slice() };
  if (meta !== undefined) k.meta = meta;
  return k;
}

/** A checkpoint state with fixed IDs and one disablement value. */
export function stateOf(keys: Key[], ids: [bigint, bigint] = [11n, 22n]): State {
  return {
    lastAUMHash: null,
    disablementValues: [new Uint8Array(32).fill(0xa5)],
    keys,
    stateID1: ids[0],
    stateID2: ids[1],
  };
}

/**
 * Named AUMs with named parents, like Tailscale's test chain DSL. `seed` sets a NoOp's keyID to
 * change its hash; `tweak` searches seeds until `want(hash)` holds.
 */
export class Chain {
  readonly aums = new Map<string, AUM>();

  add(name: string, parent: string | null, body: Omit<AUM, 'prevAUMHash'>, signers: SigningKey[] = []): AUM {
    const prev = parent === null ? null : this.hash(parent);
    const aum = signAUM({ ...body, prevAUMHash: prev }, ...signers);
    if (aum.signatures?.length === 0) delete aum.signatures;
    this.aums.set(name, aum);
    return aum;
  }

  /** A NoOp whose hash satisfies `want`, found by varying its keyID seed. */
  addNoOp(
    name: string,
    parent: string,
    signers: SigningKey[],
    want: (h: Uint8Array) => boolean = () => true,
  ): AUM {
    for (let seed = 1; seed < 256; seed++) {
      const aum = this.add(
        name,
        parent,
        { messageKind: AUMKind.NoOp, keyID: new Uint8Array([seed]) },
        signers,
      );
      if (want(aumHash(aum))) return aum;
    }
    throw new Error(`no seed gives ${name} the wanted hash`);
  }

  get(name: string): AUM {
    const a = this.aums.get(name);
    if (a === undefined) throw new Error(`no AUM ${name}`);
    return a;
  }

  hash(name: string): Uint8Array {
    return aumHash(this.get(name));
  }

  b32(name: string): string {
    return hashToBase32(this.hash(name));
  }

  list(...names: string[]): AUM[] {
    return names.map((n) => this.get(n));
  }

  /** A MemoryStore holding the named AUMs (all of them when none are named), unverified. */
  async store(...names: string[]): Promise<MemoryStore> {
    const s = new MemoryStore();
    await s.commit(names.length === 0 ? [...this.aums.values()] : this.list(...names));
    return s;
  }

  nameOf(hash: string): string {
    for (const n of this.aums.keys()) if (this.b32(n) === hash) return n;
    return hash;
  }
}

export const lower = (a: Uint8Array, b: Uint8Array): boolean => compareBytes(a, b) < 0;

/** Everything observable in a store, to show a refusal changed nothing. */
export async function snapshot(store: MemoryStore): Promise<string[]> {
  const out: string[] = [];
  for (const h of await store.allAUMs()) {
    const aum = (await store.get(h))!;
    out.push(`${toHex(h)}:${toHex(encodeAUM(aum))}:${(await store.commitTime(h)) ?? '-'}`);
  }
  out.sort();
  const heads = (await store.heads()).map((a) => toHex(aumHash(a))).sort();
  const hint = await store.lastActiveAncestor();
  out.push(`heads:${heads.join(',')}`, `hint:${hint === undefined ? '-' : toHex(hint)}`);
  return out;
}

/** Runs `refused` and checks it changed neither the authority's head and state nor the store. */
export async function expectUnchanged(
  authority: Authority,
  store: MemoryStore,
  refused: () => Promise<unknown>,
): Promise<void> {
  const head = authority.head;
  const state = JSON.stringify(authority.state, (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v,
  );
  const before = await snapshot(store);
  await refused();
  expect(authority.head).toBe(head);
  expect(
    JSON.stringify(authority.state, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v,
    ),
  ).toBe(state);
  expect(await snapshot(store)).toEqual(before);
}
