import { TlockError } from '../errors.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { requireStrongKey } from '../crypto/weak-key.js';
import { CHECKPOINT_EVERY, MAX_KEYS } from '../limits.js';
import { AUMKind, aumHash, aumParent, validateAUM } from '../model/aum.js';
import type { AUM } from '../model/aum.js';
import { type Key, cloneKey } from '../model/key.js';
import { type State, cloneState, findKey } from '../model/state.js';
import { bytesEqual, requireBytes } from '../wire/bytes.js';
import { requireSigningKey } from '../crypto/require-signing-key.js';
import { signAUM } from './aum-signing.js';
import { chainReads } from './chain-reads.js';
import { describeKeyID } from '../wire/keytext.js';
import { applyAUM, withContext } from './state-machine.js';
import type { AumStore } from './store.js';

/** What a builder needs from its authority (an `Authority` is one). */
export interface UpdateBuilderHost {
  /** The current head hash. */
  readonly headHash: Uint8Array;
  /** The state at the current head. */
  readonly state: State;
}

/**
 * Builds a signed batch of updates on top of the authority's head (docs/FORMAT.md §5.7; Tailscale's
 * UpdateBuilder). Each change is checked against the state the earlier changes produce.
 * `finalize` returns the AUMs, ending with a checkpoint when one is due; it does not inform
 * the authority: the caller applies or submits them.
 */
export class UpdateBuilder {
  readonly #host: UpdateBuilderHost;
  readonly #signer: SigningKey;
  readonly #startHead: Uint8Array;
  #state: State;
  #parent: Uint8Array;
  readonly #out: AUM[] = [];
  #finalized = false;

  constructor(host: UpdateBuilderHost, signer: SigningKey) {
    this.#host = host;
    this.#signer = requireSigningKey(signer, 'newUpdater: signer');
    this.#startHead = host.headHash;
    this.#parent = this.#startHead;
    this.#state = host.state;
  }

  #open(): void {
    if (this.#finalized) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        'this UpdateBuilder was finalized; start a new one with newUpdater',
      );
    }
  }

  #trusted(keyID: Uint8Array, what: string): Key {
    this.#open();
    requireBytes(keyID, `${what}: keyID`);
    const key = findKey(this.#state, keyID);
    if (key === undefined) {
      throw new TlockError('NOT_FOUND', `${what}: ${describeKeyID(keyID)} is not a trusted key`);
    }
    return key;
  }

  #add(update: AUM): void {
    const signed = signAUM({ ...update, prevAUMHash: this.#parent.slice() }, this.#signer);
    try {
      validateAUM(signed);
    } catch (e) {
      withContext(e, 'generated update was invalid: ');
    }
    const hash = aumHash(signed);
    try {
      this.#state = applyAUM(this.#state, signed, hash);
    } catch (e) {
      withContext(e, 'update cannot be applied: ');
    }
    this.#parent = hash;
    this.#out.push(signed);
  }

  /** Trusts a new key. Refuses a key already trusted, a 513th key, and weak keys (docs/FORMAT.md §11). */
  addKey(key: Key): this {
    this.#open();
    if (typeof key !== 'object' || key === null) {
      throw new TlockError('INVALID_ARGUMENT', 'addKey: expected a Key { kind, votes, public }');
    }
    if (key.kind !== 1) {
      throw new TlockError('INVALID_ARGUMENT', `addKey: unknown key kind ${key.kind} (only 1, ed25519)`);
    }
    const pub = requireStrongKey(key.public, 'addKey: key.public');
    if (findKey(this.#state, pub) !== undefined) {
      throw new TlockError('REJECTED_AUM', `cannot add key ${describeKeyID(pub)}: already trusted`);
    }
    if ((this.#state.keys ?? []).length >= MAX_KEYS) {
      throw new TlockError(
        'LIMIT',
        `cannot add key ${describeKeyID(pub)}: ${MAX_KEYS} keys are already trusted`,
      );
    }
    this.#add({ messageKind: AUMKind.AddKey, prevAUMHash: null, key: cloneKey(key) });
    return this;
  }

  /** Stops trusting a key. Refuses to remove the last one (every receiver would refuse it). */
  removeKey(keyID: Uint8Array): this {
    this.#trusted(keyID, 'removeKey');
    if ((this.#state.keys ?? []).length === 1) {
      throw new TlockError(
        'REJECTED_AUM',
        `cannot remove ${describeKeyID(keyID)}: it is the last trusted key (disable Tailnet Lock instead)`,
      );
    }
    this.#add({ messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: keyID.slice() });
    return this;
  }

  /** Sets a key's votes (1..4096). */
  setKeyVotes(keyID: Uint8Array, votes: number | bigint): this {
    this.#trusted(keyID, 'setKeyVotes');
    const ok =
      (typeof votes === 'number' && Number.isSafeInteger(votes) && votes >= 0) ||
      (typeof votes === 'bigint' && votes >= 0n && votes < 1n << 64n);
    if (!ok)
      throw new TlockError(
        'INVALID_ARGUMENT',
        `setKeyVotes: votes must be an unsigned integer, got ${String(votes)}`,
      );
    this.#add({ messageKind: AUMKind.UpdateKey, prevAUMHash: null, keyID: keyID.slice(), votes });
    return this;
  }

  /** Replaces a key's whole metadata map. */
  setKeyMeta(keyID: Uint8Array, meta: Record<string, string>): this {
    this.#trusted(keyID, 'setKeyMeta');
    if (typeof meta !== 'object' || meta === null || Object.values(meta).some((v) => typeof v !== 'string')) {
      throw new TlockError('INVALID_ARGUMENT', 'setKeyMeta: meta must map strings to strings');
    }
    if (Object.keys(meta).length === 0) {
      // An empty map encodes like no map: every receiver would refuse an UpdateKey with nothing in it.
      throw new TlockError('INVALID_ARGUMENT', 'setKeyMeta: meta is empty; give at least one entry');
    }
    this.#add({ messageKind: AUMKind.UpdateKey, prevAUMHash: null, keyID: keyID.slice(), meta: { ...meta } });
    return this;
  }

  #headMoved(): void {
    if (!bytesEqual(this.#host.headHash, this.#startHead)) {
      throw new TlockError(
        'CONFLICT',
        'the authority changed while these updates were being built (its head moved); build them again on the new head',
      );
    }
  }

  /**
   * The built AUMs, oldest first. docs/FORMAT.md §5.7: when no checkpoint is found within the last
   * CHECKPOINT_EVERY − (updates built) AUMs from the head (and the walk did not reach a genesis
   * or an unstored AUM), the batch ends with a checkpoint of the resulting state.
   */
  async finalize(store: AumStore): Promise<AUM[]> {
    this.#open();
    this.#headMoved();
    const reads = chainReads(store);
    let needCheckpoint = true;
    let cursor: Uint8Array = this.#host.headHash;
    for (let i = this.#out.length; i < CHECKPOINT_EVERY; i++) {
      const aum = (await reads.get(cursor))?.aum;
      const parent = aum === undefined ? undefined : aumParent(aum);
      if (aum === undefined || aum.messageKind === AUMKind.Checkpoint || parent === undefined) {
        needCheckpoint = false;
        break;
      }
      cursor = parent;
    }
    this.#headMoved();
    if (needCheckpoint) {
      // Checkpoints carry no parent in their state (docs/FORMAT.md §2.2).
      const state: State = { ...cloneState(this.#state), lastAUMHash: null };
      this.#add({ messageKind: AUMKind.Checkpoint, prevAUMHash: null, state });
    }
    this.#finalized = true;
    return [...this.#out];
  }
}
