import { TlockError, isTlockError } from '../errors.js';
import { Authority } from '../authority/authority.js';
import type { SyncOffer } from '../authority/sync.js';
import { CONTROL_SYNC_BODY_LIMIT } from '../limits.js';
import { type AUM, aumHash, aumParent, decodeAUM, encodeAUM } from '../model/aum.js';
import { decodeNodeKeySignature } from '../model/nks.js';
import { hashFromBase32, hashToBase32 } from '../wire/base32.js';
import { encodeBase64 } from '../wire/base64.js';
import { bytesEqual } from '../wire/bytes.js';
import { nodeKeyFromBinary } from '../wire/keytext.js';
import { RequestRefused } from './http-status.js';
import type { InitFinishRequest, RequestHeader, SignInfo, SyncSendRequest, TKAInfo } from './messages.js';
import { PendingInit } from './pending-init.js';
import type { TailnetSettings, TailnetStore, TailnetStores, TailnetWrite } from './tailnet-store.js';
import { sameInit } from './pending-inits.js';
import type { AumStore } from '../authority/store.js';

/** Room left in a sync/offer response for everything but its MissingAUMs. */
const OFFER_RESPONSE_RESERVE = 64 * 1024;

export interface TailnetControlOptions {
  /** The nodes to sign when Tailnet Lock is turned on; tlock's server knows none by itself. */
  needSignatures?: (tailnet: string) => SignInfo[] | Promise<SignInfo[]>;
  /** Whether a disablement secret may be checked now (each check is ≈ 300 ms of Argon2i). */
  mayCheckDisablement?: () => boolean;
  /** Milliseconds since the epoch (tests). */
  clock?: () => number;
}

/** Decodes an AUM a client sent; anything that is not one is refused like a bad AUM (422). */
function decodeSentAUM(bytes: Uint8Array, label: string): AUM {
  try {
    return decodeAUM(bytes);
  } catch (e) {
    throw new TlockError('INVALID_AUM', `${label} is not an AUM: ${(e as Error).message}`, { cause: e });
  }
}

/** What the control answers from: the tailnet as of one revision of its store. */
interface TailnetView {
  revision: number;
  settings: TailnetSettings;
  /** The active chain; undefined while Tailnet Lock has never been turned on. */
  authority: Authority | undefined;
}

/** A tailnet nothing was ever stored for. */
const NOTHING: TailnetView = { revision: -1, settings: { disabled: false }, authority: undefined };

/** The view of a store's contents (its AUMs may be a write's, under the lock). */
async function viewOf(aums: AumStore, settings: TailnetSettings, revision: number): Promise<TailnetView> {
  const authority = (await aums.heads()).length === 0 ? undefined : await Authority.open(aums);
  return { revision, settings, authority };
}

function enabled(view: TailnetView): Authority {
  if (view.settings.disabled) {
    throw new TlockError(
      'CONFLICT',
      'Tailnet Lock was disabled on this tailnet; an admin can turn it on again with init',
    );
  }
  if (view.authority === undefined) {
    throw new TlockError(
      'NOT_FOUND',
      'Tailnet Lock is not enabled on this tailnet: an admin publishes its genesis first (init/begin, init/finish)',
    );
  }
  return view.authority;
}

function refuseIfEnabled(view: TailnetView): void {
  if (view.authority !== undefined && !view.settings.disabled) {
    throw new TlockError(
      'CONFLICT',
      `Tailnet Lock is already enabled on this tailnet (head ${view.authority.head}); sync with it instead`,
    );
  }
}

/**
 * The coordination server's side of Tailnet Lock for one tailnet: it verifies everything it
 * stores (AUMs through `Authority.inform`, node-key signatures against the current state) and
 * never signs. Every request first catches up with the store (`TailnetStore.refresh`: other
 * server replicas may have written), and answers from the chain as of that revision. Writes run
 * one at a time through the store's `exclusive`, on a copy of the view as of the lock; the copy
 * replaces the view once the write is durable, so no request is answered from a write that may
 * yet fail.
 */
export class TailnetControl {
  #store: TailnetStore | undefined;
  #view: TailnetView = NOTHING;
  /** A write failed after writing something (a data directory keeps it): read the store again. */
  #stale = false;
  #offer: SyncOffer | undefined;
  #bootstrapAUM: { oldest: string; bytes: Uint8Array } | undefined;
  readonly #clock: () => number;

  private constructor(
    readonly tailnet: string,
    private readonly stores: TailnetStores,
    private readonly options: TailnetControlOptions,
  ) {
    this.#clock = options.clock ?? Date.now;
  }

  /** Opens a tailnet's state; a tailnet never written to stays without a trace until an init. */
  static async open(
    tailnet: string,
    stores: TailnetStores,
    options: TailnetControlOptions = {},
  ): Promise<TailnetControl> {
    const control = new TailnetControl(tailnet, stores, options);
    await control.#current();
    return control;
  }

  /** Whether nothing of this tailnet is kept in the store (so the server may drop this object). */
  forgettable(): boolean {
    return this.#store === undefined;
  }

  /**
   * The view as of the store's latest revision: a request's first step. A tailnet with no store
   * yet is looked for again (another replica may have turned Tailnet Lock on).
   */
  async #current(): Promise<TailnetView> {
    if (this.#store === undefined) {
      const store = await this.stores.open(this.tailnet, { create: false });
      if (store === undefined) return NOTHING;
      this.#store = store;
    }
    const store = this.#store;
    let revision = await store.refresh();
    while (revision !== this.#view.revision || this.#stale) {
      const stale = this.#stale;
      const view = await viewOf(store.aums, await store.settings(), revision);
      // The store may have caught up again meanwhile (another request): then read it again.
      if (store.revision === revision) {
        this.#take(view, stale);
        break;
      }
      revision = store.revision;
    }
    return this.#view;
  }

  /** Takes a view unless a newer one was taken meanwhile. */
  #take(view: TailnetView, force = false): void {
    if (force || view.revision >= this.#view.revision) {
      this.#view = view;
      this.#stale = false;
    }
  }

  /**
   * Runs a write under the store's lock, from the view as of the lock. `fn` returns the answer
   * and, when it changed the tailnet, the new settings and authority, taken once the write is
   * durable.
   */
  async #write<T>(
    store: TailnetStore,
    fn: (
      write: TailnetWrite,
      view: TailnetView,
    ) => Promise<{ value: T; next?: Omit<TailnetView, 'revision'> }>,
  ): Promise<T> {
    try {
      const done = await store.exclusive(async (write) => {
        let view = this.#view;
        if (this.#store !== store || write.revision !== view.revision || this.#stale) {
          view = await viewOf(write.aums, await write.settings(), write.revision);
        }
        return fn(write, view);
      });
      const { value, next } = done.value;
      if (next !== undefined) {
        this.#store = store;
        this.#take({ ...next, revision: done.revision });
      }
      return value;
    } catch (e) {
      // A refusal wrote nothing; a failed write may have left part of itself in a data directory.
      if (!(e instanceof TlockError) || e.code === 'STORAGE' || e.code === 'INTERNAL') this.#stale = true;
      throw e;
    }
  }

  /** What map responses carry: the head, or that Tailnet Lock was disabled; undefined when it is off. */
  async tkaInfo(): Promise<TKAInfo | undefined> {
    const view = await this.#current();
    if (view.settings.disabled) return { Disabled: true };
    return view.authority === undefined ? undefined : { Head: view.authority.head };
  }

  /** The newest signature kept for a node key, for the peer's `KeySignature` in map responses. */
  async signatureFor(nodeKey: Uint8Array): Promise<Uint8Array | undefined> {
    await this.#current();
    return (await this.#store?.signature(nodeKey))?.signature;
  }

  /** `/machine/tka/bootstrap`: the checkpoint to start from, or the secret that disabled the lock. */
  async bootstrap(): Promise<{ genesis?: Uint8Array; disablementSecret?: Uint8Array }> {
    const view = await this.#current();
    if (view.settings.disabled) {
      const secret = view.settings.disablementSecret;
      return secret === undefined ? {} : { disablementSecret: secret };
    }
    const a = view.authority;
    if (a === undefined) return {};
    let cached = this.#bootstrapAUM;
    if (cached?.oldest !== a.oldestAncestor) {
      const aum = await this.#store!.aums.get(hashFromBase32(a.oldestAncestor));
      if (aum === undefined)
        throw new TlockError('STORAGE', `the oldest AUM ${a.oldestAncestor} is not stored`);
      cached = { oldest: a.oldestAncestor, bytes: encodeAUM(aum) };
      this.#bootstrapAUM = cached;
    }
    return { genesis: cached.bytes };
  }

  /**
   * `/machine/tka/sync/offer`: our offer and the AUMs of our chain the node lacks, oldest first,
   * as many as fit in one response (the node gets the rest in its next round).
   */
  async syncOffer(remote: SyncOffer): Promise<{ offer: SyncOffer; missingAUMs: string[] }> {
    const a = enabled(await this.#current());
    const aums = this.#store!.aums;
    let offer = this.#offer;
    if (offer?.head !== a.head) {
      offer = await a.syncOffer(aums);
      this.#offer = offer;
    }
    if (remote.head === offer.head) return { offer, missingAUMs: [] };
    const missing = await a.missingAUMs(aums, remote);
    const texts: string[] = [];
    let budget = CONTROL_SYNC_BODY_LIMIT - OFFER_RESPONSE_RESERVE;
    for (const aum of missing) {
      const text = encodeBase64(encodeAUM(aum));
      budget -= text.length + 3;
      if (budget < 0 && texts.length > 0) break;
      texts.push(text);
    }
    return { offer, missingAUMs: texts };
  }

  /**
   * `/machine/tka/sync/send`: verifies the AUMs and stores them (all or none); fork resolution
   * then picks the head. `Interactive` (an admin's change) must extend our head in a line, so an
   * admin never loses a change to a fork unawares: otherwise CONFLICT and nothing is stored.
   */
  async syncSend(req: SyncSendRequest): Promise<string> {
    const current = enabled(await this.#current());
    if (req.aums.length === 0) return current.head;
    const aums = req.aums.map((bytes, i) => decodeSentAUM(bytes, `MissingAUMs[${i}]`));
    return this.#write(this.#store!, async (write, view) => {
      const a = enabled(view);
      if (req.interactive) checkExtendsHead(aums, a);
      const next = a.copy();
      await next.inform(write.aums, aums);
      return { value: next.head, next: { settings: view.settings, authority: next } };
    });
  }

  /** `/machine/tka/init/begin`: checks the genesis and records it until init/finish. */
  async initBegin(header: RequestHeader, genesisBytes: Uint8Array): Promise<SignInfo[]> {
    const genesis = decodeSentAUM(genesisBytes, 'GenesisAUM');
    await PendingInit.verify(genesis);
    refuseIfEnabled(await this.#current());
    const need = (await this.options.needSignatures?.(this.tailnet)) ?? [];
    const pending = await PendingInit.begin(header.nodeKey, genesis, need, this.#clock());
    if (!(await this.stores.inits.begin(this.tailnet, pending.record, this.#clock()))) {
      throw new TlockError(
        'CONFLICT',
        'another admin is turning Tailnet Lock on for this tailnet (init/begin from another node key); wait for it, or try again in a few minutes',
      );
    }
    return need.map((n) => ({
      ...n,
      nodePublic: n.nodePublic.slice(),
      rotationPubkey: n.rotationPubkey.slice(),
    }));
  }

  /**
   * `/machine/tka/init/finish`: checks every signature against the genesis, then stores the
   * settings, the signatures and the genesis, in one write: Tailnet Lock is on once it is done.
   */
  async initFinish(req: InitFinishRequest): Promise<void> {
    const record = await this.stores.inits.get(this.tailnet);
    const pending = record === undefined ? undefined : await PendingInit.resume(record);
    if (pending === undefined || !pending.matches(req.nodeKey, this.#clock())) {
      throw new TlockError(
        'CONFLICT',
        'no init/begin from this node key is waiting (it expired, the server restarted, or another admin began); send init/begin again',
      );
    }
    const signatures = pending.checkFinish(req.signatures);
    if (
      req.supportDisablement !== undefined &&
      !(await pending.authority.validDisablement(req.supportDisablement))
    ) {
      throw new TlockError(
        'BAD_SIGNATURE',
        'SupportDisablement is not a disablement secret of the genesis state',
      );
    }
    const store = this.#store ?? (await this.stores.open(this.tailnet, { create: true }))!;
    await this.#write(store, async (write, view) => {
      refuseIfEnabled(view);
      const now = await this.stores.inits.get(this.tailnet);
      if (now === undefined || !sameInit(now, pending.record))
        throw new TlockError('CONFLICT', 'this init was replaced by a newer init/begin');
      if (view.settings.disabled || (await write.aums.heads()).length > 0) await write.reset();
      const settings: TailnetSettings = { disabled: false };
      if (req.supportDisablement !== undefined) settings.supportDisablement = req.supportDisablement;
      await write.saveSettings(settings);
      for (const sig of signatures) await write.putSignature(sig);
      const authority = await Authority.bootstrap(write.aums, pending.genesis);
      return { value: undefined, next: { settings, authority } };
    });
    await this.stores.inits.end(this.tailnet, pending.record);
  }

  /** `/machine/tka/sign`: keeps a node-key signature that the current state authorises. */
  async submitSignature(signature: Uint8Array): Promise<void> {
    enabled(await this.#current());
    let nodeKey: Uint8Array | undefined;
    try {
      const pubkey = decodeNodeKeySignature(signature).pubkey;
      nodeKey = pubkey === undefined ? undefined : nodeKeyFromBinary(pubkey);
    } catch (e) {
      if (!isTlockError(e, 'DECODE')) throw e;
      throw new TlockError('MALFORMED_SIGNATURE', `Signature does not decode: ${e.message}`, { cause: e });
    }
    if (nodeKey === undefined) {
      throw new TlockError(
        'MALFORMED_SIGNATURE',
        'Signature names no node key ("np" + 32 bytes): a credential alone signs no node',
      );
    }
    const key = nodeKey;
    // Checked under the lock, against the state the signature is stored beside.
    await this.#write(this.#store!, async (write, view) => {
      const { keyID } = enabled(view).nodeKeyAuthorized(key, signature);
      await write.putSignature({ nodeKey: key, signature, keyID });
      return { value: undefined };
    });
  }

  /** `/machine/tka/affected-sigs`: the kept signatures the trusted key `keyID` authorised. */
  async signaturesUsingKey(keyID: Uint8Array): Promise<Uint8Array[]> {
    enabled(await this.#current());
    return (await this.#store!.signaturesByKey(keyID)).map((s) => s.signature);
  }

  /** `/machine/tka/disable`: turns Tailnet Lock off, given one of the authority's disablement secrets. */
  async disable(secret: Uint8Array): Promise<void> {
    const current = await this.#current();
    if (disabledBy(current, secret)) return;
    const a = enabled(current);
    if (this.options.mayCheckDisablement?.() === false) {
      throw new RequestRefused(429, 'LIMIT', 'too many disablement attempts; try again in a second');
    }
    const badSecret = new TlockError(
      'BAD_SIGNATURE',
      "DisablementSecret is not one of this authority's disablement secrets",
    );
    if (!(await a.validDisablement(secret))) throw badSecret;
    await this.#write(this.#store!, async (write, view) => {
      if (disabledBy(view, secret)) return { value: undefined };
      const now = enabled(view);
      // The chain moved since the check (another replica): its disablement values may differ.
      if (now.head !== a.head && !(await now.validDisablement(secret))) throw badSecret;
      const settings = { ...view.settings, disabled: true, disablementSecret: secret.slice() };
      await write.saveSettings(settings);
      return { value: undefined, next: { settings, authority: view.authority } };
    });
  }
}

/** Whether Tailnet Lock was disabled with this very secret (disable is idempotent for it). */
function disabledBy(view: TailnetView, secret: Uint8Array): boolean {
  const s = view.settings;
  return s.disabled && s.disablementSecret !== undefined && bytesEqual(secret, s.disablementSecret);
}

/** An interactive send must build on our head, one AUM on the next. */
function checkExtendsHead(aums: AUM[], a: Authority): void {
  let parent = a.headHash;
  for (const [i, aum] of aums.entries()) {
    const p = aumParent(aum);
    if (p === undefined || !bytesEqual(p, parent)) {
      const expected = hashToBase32(parent);
      throw new TlockError(
        'CONFLICT',
        i === 0
          ? `the chain moved: these updates build on ${p === undefined ? 'nothing' : hashToBase32(p)}, but the head is ${expected}; sync, then make the change again`
          : `MissingAUMs[${i}] does not build on MissingAUMs[${i - 1}]`,
      );
    }
    parent = aumHash(aum);
  }
}
