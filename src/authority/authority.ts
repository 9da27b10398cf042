import { TlockError } from '../errors.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { requireStrongKey } from '../crypto/weak-key.js';
import { randomUint64 } from '../crypto/random.js';
import { AUMKind, aumHash, aumKindName, validateAUM } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { type Key, cloneKey } from '../model/key.js';
import { type State, cloneState, findKey } from '../model/state.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';
import { requireBytes } from '../wire/bytes.js';
import { requireSigningKey } from '../crypto/require-signing-key.js';
import { signAUM } from './aum-signing.js';
import { UpdateBuilder } from './builder.js';
import { type ChainPosition, computeActiveChain } from './chain.js';
import type { CompactionOptions } from './compaction.js';
import { type NodeKeyAuthorization, nodeKeyAuthorizedInState } from '../signing/node-key-authorization.js';
import { stateAtHash } from './state-at.js';
import { chainReads } from './chain-reads.js';
import { verifyAUM, withContext } from './state-machine.js';
import { type AumStore, type CompactableStore, isCompactableStore } from './store.js';
import type { SyncOffer } from './sync.js';
// inform, sync, compaction, revocation and the disablement KDF load on first use (their methods
// import them): a process that only opens an authority, such as `tlock hook`, starts without them.

function requireStore(store: AumStore, what: string): AumStore {
  const s = store as Partial<AumStore> | null;
  const methods = [
    'get',
    'children',
    'heads',
    'commit',
    'lastActiveAncestor',
    'setLastActiveAncestor',
  ] as const;
  if (typeof s !== 'object' || s === null || methods.some((m) => typeof s[m] !== 'function')) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected an AumStore (MemoryStore or FileStore)`);
  }
  return store;
}

function hashArg(hash: Uint8Array | string, what: string): Uint8Array {
  return typeof hash === 'string' ? hashFromBase32(hash) : requireBytes(hash, what, 32);
}

/**
 * A tailnet key authority: the chain of AUMs in a store, and the trusted-key state at its head
 * (docs/FORMAT.md §5; Tailscale's tka.Authority). The store is passed to every call that needs it; the
 * authority keeps only its head, its oldest ancestor and the state. Calls that change it run one
 * at a time.
 */
export class Authority {
  #pos: ChainPosition;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(pos: ChainPosition) {
    this.#pos = pos;
  }

  /** Runs `fn` after every earlier call on this authority has finished. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A brand-new authority: a genesis checkpoint of `state`, signed by `signer` (whose key must be
   * in the state), then bootstrapped into `store`. State IDs left out are drawn at random (64 bits
   * each, node:crypto), as `tailscale lock init` does; pass `stateID1: 0n, stateID2: 0n` to sign
   * the state exactly as given, as Go's `tka.Create` does.
   */
  static async create(
    store: AumStore,
    state: State,
    signer: SigningKey,
  ): Promise<{ authority: Authority; genesis: AUM }> {
    requireStore(store, 'Authority.create: store');
    requireSigningKey(signer, 'Authority.create: signer');
    if (typeof state !== 'object' || state === null) {
      throw new TlockError('INVALID_ARGUMENT', 'Authority.create: state must be a State object');
    }
    const s = cloneState(state);
    s.stateID1 ??= randomUint64();
    s.stateID2 ??= randomUint64();
    const genesis: AUM = { messageKind: AUMKind.Checkpoint, prevAUMHash: null, state: s };
    try {
      validateAUM(genesis);
    } catch (e) {
      withContext(e, 'invalid state: ');
    }
    // docs/FORMAT.md §11: our own hands never trust a weak key.
    (s.keys ?? []).forEach((k, i) => requireStrongKey(k.public, `Authority.create: state.keys[${i}].public`));
    if (findKey(s, signer.publicKey) === undefined) {
      throw new TlockError(
        'UNTRUSTED_KEY',
        "Authority.create: the signer's key must be one of the state's keys",
      );
    }
    const signed = signAUM(genesis, signer);
    const authority = await Authority.bootstrap(store, signed);
    return { authority, genesis: signed };
  }

  /**
   * Starts an authority in an empty store from a checkpoint (the genesis, or a later one), which
   * must be signed by keys its own state trusts: trust on first use.
   */
  static async bootstrap(store: AumStore, genesis: AUM): Promise<Authority> {
    requireStore(store, 'Authority.bootstrap: store');
    if ((await store.heads()).length !== 0) {
      throw new TlockError(
        'CONFLICT',
        'bootstrap: tailchonk is not empty (the store already holds AUMs); open it instead, or bootstrap an empty store',
      );
    }
    if (typeof genesis !== 'object' || genesis === null) {
      throw new TlockError('INVALID_ARGUMENT', 'bootstrap: expected a checkpoint AUM');
    }
    if (genesis.messageKind !== AUMKind.Checkpoint) {
      throw new TlockError(
        'REJECTED_AUM',
        `bootstrap AUMs must be checkpoint messages, got ${aumKindName(genesis.messageKind)}`,
      );
    }
    if (genesis.state === undefined) throw new TlockError('REJECTED_AUM', 'bootstrap AUM is missing state');
    try {
      verifyAUM(genesis, genesis.state, { genesis: true });
    } catch (e) {
      withContext(e, 'invalid bootstrap: ');
    }
    await store.commit([genesis]);
    await store.setLastActiveAncestor(aumHash(genesis));
    return Authority.open(store);
  }

  /** Opens the authority held by a store: its active chain, resolved by fork resolution. */
  static async open(store: AumStore): Promise<Authority> {
    requireStore(store, 'Authority.open: store');
    const hint = await store.lastActiveAncestor();
    return new Authority(await computeActiveChain(store, hint));
  }

  /**
   * Another authority at the same head and state, changed independently of this one: to try a
   * change that may yet be abandoned (a write that rolls back) while others keep reading this one.
   */
  copy(): Authority {
    return new Authority(this.#pos);
  }

  /** The head: the base32 hash of the newest AUM of the active chain. */
  get head(): string {
    return hashToBase32(this.#pos.head);
  }

  /** The head as 32 bytes. */
  get headHash(): Uint8Array {
    return this.#pos.head.slice();
  }

  /** The oldest stored ancestor of the active chain (base32). */
  get oldestAncestor(): string {
    return hashToBase32(this.#pos.oldest);
  }

  /** The trusted-key state at the head (a copy). */
  get state(): State {
    return cloneState(this.#pos.state);
  }

  /** The trusted keys (copies). */
  keys(): Key[] {
    return (this.#pos.state.keys ?? []).map(cloneKey);
  }

  /** The trusted key with this ID (a copy), if any. */
  trustedKey(keyID: Uint8Array): Key | undefined {
    const k = findKey(this.#pos.state, requireBytes(keyID, 'trustedKey: keyID'));
    return k === undefined ? undefined : cloneKey(k);
  }

  keyTrusted(keyID: Uint8Array): boolean {
    return this.trustedKey(keyID) !== undefined;
  }

  /**
   * Checks that the node-key signature `nks` (CBOR bytes) authorises `nodeKey` (32 bytes) under
   * the current state only: history does not count (docs/FORMAT.md §6.4, §11). Returns the authorising key
   * and rotation details; throws TlockError (UNTRUSTED_KEY, BAD_SIGNATURE, WRONG_NODE_KEY,
   * MALFORMED_SIGNATURE, SMALL_ORDER_WRAPPING_KEY) if it does not.
   */
  nodeKeyAuthorized(nodeKey: Uint8Array, nks: Uint8Array): NodeKeyAuthorization {
    return nodeKeyAuthorizedInState(this.#pos.state, nodeKey, nks);
  }

  /**
   * Verifies and stores a batch of AUMs (oldest first), all or nothing, then moves to the new
   * head (docs/FORMAT.md §5.6). On refusal the authority and the store are unchanged.
   */
  async inform(store: AumStore, updates: AUM[]): Promise<void> {
    requireStore(store, 'inform: store');
    await this.#exclusive(async () => {
      const { informBatch } = await import('./inform.js');
      this.#pos = await informBatch(store, this.#pos, updates);
    });
  }

  /** The state at any stored AUM, on the active chain or not. */
  async stateAt(store: AumStore, hash: Uint8Array | string): Promise<State> {
    requireStore(store, 'stateAt: store');
    const h = hashArg(hash, 'stateAt: hash');
    return await this.#exclusive(async () => cloneState(await stateAtHash(chainReads(store), h)));
  }

  /** Whether `secret` is a disablement secret of this authority (docs/FORMAT.md §7; constant time). */
  async validDisablement(secret: Uint8Array): Promise<boolean> {
    const [{ disablementKDF }, { constantTimeEqual }] = await Promise.all([
      import('../crypto/kdf.js'),
      import('../crypto/constant-time.js'),
    ]);
    const derived = await disablementKDF(requireBytes(secret, 'validDisablement: secret'));
    let valid = false;
    for (const v of this.#pos.state.disablementValues ?? []) {
      // Compare with every value, so timing does not tell which one matched.
      valid = (v !== null && constantTimeEqual(derived, v)) || valid;
    }
    return valid;
  }

  /** A builder for admin updates on top of the current head, signed by `signer`. */
  newUpdater(signer: SigningKey): UpdateBuilder {
    return new UpdateBuilder(this, signer);
  }

  /** What to tell a peer about our chain (docs/FORMAT.md §9.1). */
  async syncOffer(store: AumStore): Promise<SyncOffer> {
    requireStore(store, 'syncOffer: store');
    return await this.#exclusive(async () => {
      const { buildSyncOffer } = await import('./sync.js');
      return await buildSyncOffer(store, this.#pos.head, this.#pos.oldest);
    });
  }

  /** The AUMs a peer that sent `remote` may lack, oldest first; [] when up to date. */
  async missingAUMs(store: AumStore, remote: SyncOffer): Promise<AUM[]> {
    requireStore(store, 'missingAUMs: store');
    return await this.#exclusive(async () => {
      const { computeMissingAUMs } = await import('./sync.js');
      return await computeMissingAUMs(store, this.#pos.head, remote);
    });
  }

  /**
   * Purges AUMs no longer needed (docs/FORMAT.md §9.3) and moves the oldest ancestor; returns it
   * (base32). The state is not recomputed: it does not change.
   */
  async compact(store: CompactableStore, opts?: CompactionOptions): Promise<string> {
    requireStore(store, 'compact: store');
    if (!isCompactableStore(store)) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        'compact: the store cannot be compacted (no allAUMs/commitTime/purge)',
      );
    }
    return await this.#exclusive(async () => {
      const { compactStore } = await import('./compaction.js');
      const oldest = await compactStore(store, this.#pos.head, opts);
      this.#pos = { ...this.#pos, oldest };
      return hashToBase32(oldest);
    });
  }

  /**
   * An unsigned recovery checkpoint revoking `removeKeyIDs` retroactively (docs/FORMAT.md §5.8);
   * sign it with `cosignRevocation`, by keys whose votes at the fork point outweigh the
   * revoked keys'. `forkFrom` (hash, base32 or hex; all zeros = choose) sets the fork point.
   */
  async makeRetroactiveRevocation(
    store: AumStore,
    removeKeyIDs: Uint8Array[],
    ourKeyID: Uint8Array,
    forkFrom?: Uint8Array | string,
  ): Promise<AUM> {
    requireStore(store, 'makeRetroactiveRevocation: store');
    return await this.#exclusive(async () => {
      const { makeRetroactiveRevocation } = await import('./revocation.js');
      return await makeRetroactiveRevocation(store, this.#pos, removeKeyIDs, ourKeyID, forkFrom);
    });
  }

  /** Adds `signer`'s signature to a recovery AUM, if that key was trusted at its fork point. */
  async cosignRevocation(store: AumStore, aum: AUM, signer: SigningKey): Promise<AUM> {
    requireStore(store, 'cosignRevocation: store');
    return await this.#exclusive(async () => {
      const { cosignRevocation } = await import('./revocation.js');
      return await cosignRevocation(store, aum, signer);
    });
  }
}
