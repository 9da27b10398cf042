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
import type { TailnetSettings, TailnetStore, TailnetStores } from './tailnet-store.js';

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

/**
 * The coordination server's side of Tailnet Lock for one tailnet: it verifies everything it
 * stores (AUMs through `Authority.inform`, node-key signatures against the current state) and
 * never signs. Writes run one at a time through the store's `exclusive`; reads see the chain as
 * the last write left it.
 */
export class TailnetControl {
  #store: TailnetStore | undefined;
  #authority: Authority | undefined;
  #settings: TailnetSettings;
  #pending: PendingInit | undefined;
  #offer: SyncOffer | undefined;
  #bootstrapAUM: { oldest: string; bytes: Uint8Array } | undefined;
  readonly #clock: () => number;

  private constructor(
    readonly tailnet: string,
    private readonly stores: TailnetStores,
    private readonly options: TailnetControlOptions,
    store: TailnetStore | undefined,
    authority: Authority | undefined,
    settings: TailnetSettings,
  ) {
    this.#store = store;
    this.#authority = authority;
    this.#settings = settings;
    this.#clock = options.clock ?? Date.now;
  }

  /** Opens a tailnet's state; a tailnet never written to stays without files until an init. */
  static async open(
    tailnet: string,
    stores: TailnetStores,
    options: TailnetControlOptions = {},
  ): Promise<TailnetControl> {
    const store = await stores.open(tailnet, { create: false });
    if (store === undefined)
      return new TailnetControl(tailnet, stores, options, undefined, undefined, { disabled: false });
    const authority = (await store.aums.heads()).length === 0 ? undefined : await Authority.open(store.aums);
    return new TailnetControl(tailnet, stores, options, store, authority, await store.settings());
  }

  /** Whether nothing of this tailnet is kept in files or memory (so the server may drop this object). */
  forgettable(): boolean {
    return this.#store === undefined && (this.#pending === undefined || !this.#pending.live(this.#clock()));
  }

  /** What map responses carry: the head, or that Tailnet Lock was disabled; undefined when it is off. */
  tkaInfo(): TKAInfo | undefined {
    if (this.#settings.disabled) return { Disabled: true };
    return this.#authority === undefined ? undefined : { Head: this.#authority.head };
  }

  /** The newest signature kept for a node key, for the peer's `KeySignature` in map responses. */
  async signatureFor(nodeKey: Uint8Array): Promise<Uint8Array | undefined> {
    return (await this.#store?.signature(nodeKey))?.signature;
  }

  /** `/machine/tka/bootstrap`: the checkpoint to start from, or the secret that disabled the lock. */
  async bootstrap(): Promise<{ genesis?: Uint8Array; disablementSecret?: Uint8Array }> {
    if (this.#settings.disabled) {
      const secret = this.#settings.disablementSecret;
      return secret === undefined ? {} : { disablementSecret: secret };
    }
    const a = this.#authority;
    if (a === undefined) return {};
    if (this.#bootstrapAUM?.oldest !== a.oldestAncestor) {
      const aum = await this.#store!.aums.get(hashFromBase32(a.oldestAncestor));
      if (aum === undefined)
        throw new TlockError('STORAGE', `the oldest AUM ${a.oldestAncestor} is not stored`);
      this.#bootstrapAUM = { oldest: a.oldestAncestor, bytes: encodeAUM(aum) };
    }
    return { genesis: this.#bootstrapAUM.bytes };
  }

  /**
   * `/machine/tka/sync/offer`: our offer and the AUMs of our chain the node lacks, oldest first,
   * as many as fit in one response (the node gets the rest in its next round).
   */
  async syncOffer(remote: SyncOffer): Promise<{ offer: SyncOffer; missingAUMs: string[] }> {
    const a = this.#enabled();
    let offer = this.#offer;
    if (offer?.head !== a.head) {
      offer = await a.syncOffer(this.#store!.aums);
      this.#offer = offer;
    }
    if (remote.head === offer.head) return { offer, missingAUMs: [] };
    const missing = await a.missingAUMs(this.#store!.aums, remote);
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
    this.#enabled();
    if (req.aums.length === 0) return this.#authority!.head;
    const aums = req.aums.map((bytes, i) => decodeSentAUM(bytes, `MissingAUMs[${i}]`));
    return this.#store!.exclusive(async () => {
      const a = this.#enabled();
      if (req.interactive) checkExtendsHead(aums, a);
      await a.inform(this.#store!.aums, aums);
      return a.head;
    });
  }

  /** `/machine/tka/init/begin`: checks the genesis and remembers it until init/finish. */
  async initBegin(header: RequestHeader, genesisBytes: Uint8Array): Promise<SignInfo[]> {
    const genesis = decodeSentAUM(genesisBytes, 'GenesisAUM');
    await PendingInit.verify(genesis);
    this.#refuseIfEnabled();
    const now = this.#clock();
    if (this.#pending?.blocks(header.nodeKey, now) === true) {
      throw new TlockError(
        'CONFLICT',
        'another admin is turning Tailnet Lock on for this tailnet (init/begin from another node key); wait for it, or try again in a few minutes',
      );
    }
    const need = (await this.options.needSignatures?.(this.tailnet)) ?? [];
    this.#pending = await PendingInit.begin(header.nodeKey, genesis, need, now);
    return need.map((n) => ({
      ...n,
      nodePublic: n.nodePublic.slice(),
      rotationPubkey: n.rotationPubkey.slice(),
    }));
  }

  /**
   * `/machine/tka/init/finish`: checks every signature against the genesis, then stores the
   * settings, the signatures and, last, the genesis: Tailnet Lock is on once that is written.
   */
  async initFinish(req: InitFinishRequest): Promise<void> {
    const pending = this.#pending;
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
    const store = (await this.stores.open(this.tailnet, { create: true }))!;
    await store.exclusive(async () => {
      this.#refuseIfEnabled();
      if (this.#pending !== pending)
        throw new TlockError('CONFLICT', 'this init was replaced by a newer init/begin');
      if (this.#settings.disabled || (await store.aums.heads()).length > 0) await store.reset();
      const settings: TailnetSettings = { disabled: false };
      if (req.supportDisablement !== undefined) settings.supportDisablement = req.supportDisablement;
      await store.saveSettings(settings);
      for (const sig of signatures) await store.putSignature(sig);
      const authority = await Authority.bootstrap(store.aums, pending.genesis);
      this.#store = store;
      this.#settings = settings;
      this.#authority = authority;
      this.#pending = undefined;
      this.#offer = undefined;
      this.#bootstrapAUM = undefined;
    });
  }

  /** `/machine/tka/sign`: keeps a node-key signature that the current state authorises. */
  async submitSignature(signature: Uint8Array): Promise<void> {
    const a = this.#enabled();
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
    const { keyID } = a.nodeKeyAuthorized(nodeKey, signature);
    await this.#store!.exclusive(() => this.#store!.putSignature({ nodeKey: nodeKey, signature, keyID }));
  }

  /** `/machine/tka/affected-sigs`: the kept signatures the trusted key `keyID` authorised. */
  async signaturesUsingKey(keyID: Uint8Array): Promise<Uint8Array[]> {
    this.#enabled();
    return (await this.#store!.signaturesByKey(keyID)).map((s) => s.signature);
  }

  /** `/machine/tka/disable`: turns Tailnet Lock off, given one of the authority's disablement secrets. */
  async disable(secret: Uint8Array): Promise<void> {
    if (this.#settings.disabled && this.#settings.disablementSecret !== undefined) {
      if (bytesEqual(secret, this.#settings.disablementSecret)) return;
    }
    const a = this.#enabled();
    if (this.options.mayCheckDisablement?.() === false) {
      throw new RequestRefused(429, 'LIMIT', 'too many disablement attempts; try again in a second');
    }
    if (!(await a.validDisablement(secret))) {
      throw new TlockError(
        'BAD_SIGNATURE',
        "DisablementSecret is not one of this authority's disablement secrets",
      );
    }
    await this.#store!.exclusive(async () => {
      const settings = { ...this.#settings, disabled: true, disablementSecret: secret.slice() };
      await this.#store!.saveSettings(settings);
      this.#settings = settings;
    });
  }

  #enabled(): Authority {
    if (this.#settings.disabled) {
      throw new TlockError(
        'CONFLICT',
        'Tailnet Lock was disabled on this tailnet; an admin can turn it on again with init',
      );
    }
    if (this.#authority === undefined) {
      throw new TlockError(
        'NOT_FOUND',
        'Tailnet Lock is not enabled on this tailnet: an admin publishes its genesis first (init/begin, init/finish)',
      );
    }
    return this.#authority;
  }

  #refuseIfEnabled(): void {
    if (this.#authority !== undefined && !this.#settings.disabled) {
      throw new TlockError(
        'CONFLICT',
        `Tailnet Lock is already enabled on this tailnet (head ${this.#authority.head}); sync with it instead`,
      );
    }
  }
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
