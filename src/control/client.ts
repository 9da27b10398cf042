import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { TlockError } from '../errors.js';
import type { SyncOffer } from '../authority/sync.js';
import { CONTROL_BODY_LIMIT, CONTROL_SYNC_BODY_LIMIT, CONTROL_TIMEOUT_MS } from '../limits.js';
import { type AUM, decodeAUM, encodeAUM } from '../model/aum.js';
import { describe, requireBytes } from '../wire/bytes.js';
import { postJSON } from './json-request.js';
import {
  type RequestHeader,
  type SignInfo,
  readBootstrapResponse,
  readEmptyResponse,
  readInitBeginResponse,
  readSignaturesUsingKeyResponse,
  readSyncOfferResponse,
  readSyncSendResponse,
  requestJSON,
} from './messages.js';

/**
 * The capability version tlock's requests carry: the newest one the Tailnet Lock messages it
 * speaks are known at (Tailscale's C2N /debug/tka, 138). The server reads it but gates nothing on it.
 */
export const TLOCK_CAPABILITY_VERSION = 138;

export interface ControlClientOptions {
  /** This machine's node key (32 bytes), sent with every request; default 32 zero bytes. */
  nodeKey?: Uint8Array;
  /** Milliseconds one request may take, from connecting to the end of the answer (default 60 s). */
  timeoutMs?: number;
  /** Cancels requests in flight. */
  signal?: AbortSignal;
}

/** An AUM the server sent, decoded; anything else is refused like a forged one. */
function decodeServerAUM(bytes: Uint8Array, label: string): AUM {
  try {
    return decodeAUM(bytes);
  } catch (e) {
    throw new TlockError(
      'INVALID_AUM',
      `the server sent ${label} that is not an AUM: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/** An answer that does not parse is the server's fault: NETWORK, naming what was wrong. */
function fromServer<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof TlockError && e.code === 'DECODE') {
      throw new TlockError('NETWORK', `${what}: the server's answer is malformed: ${e.message}`, {
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * A client of a Tailnet Lock coordination server (`tlock serve`, or anything speaking Tailscale's
 * `/machine/tka/…` messages): one method per endpoint, over plain HTTP (or HTTPS). Nothing it
 * returns is trusted: AUMs come back decoded but unverified (`Authority.inform` verifies them),
 * signatures as bytes. `baseURL` is the server (`http://host:port`), or a tailnet on it
 * (`http://host:port/t/<tailnet>`).
 */
export class ControlClient {
  readonly baseURL: URL;
  readonly #header: RequestHeader;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #agent: HttpAgent | HttpsAgent;

  constructor(baseURL: string | URL, options: ControlClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseURL);
    } catch {
      throw new TlockError(
        'INVALID_ARGUMENT',
        `not a server URL: ${String(baseURL)} (expected http://host:port)`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TlockError('INVALID_ARGUMENT', `server URL ${url.href}: use http:// or https://`);
    }
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw new TlockError(
        'INVALID_ARGUMENT',
        `server URL ${url.href}: give no query, fragment or credentials`,
      );
    }
    const timeoutMs = options.timeoutMs ?? CONTROL_TIMEOUT_MS;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        `ControlClient: timeoutMs: expected milliseconds, got ${describe(timeoutMs)}`,
      );
    }
    this.baseURL = new URL(url.href.replace(/\/+$/, '') + '/');
    this.#header = {
      version: TLOCK_CAPABILITY_VERSION,
      nodeKey: requireBytes(options.nodeKey ?? new Uint8Array(32), 'ControlClient: nodeKey', 32).slice(),
    };
    this.#timeoutMs = timeoutMs;
    this.#signal = options.signal;
    this.#agent =
      url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** Closes idle connections; the client can still be used (it reconnects). */
  close(): void {
    this.#agent.destroy();
  }

  async #call(endpoint: string, body: unknown, limit: number): Promise<unknown> {
    const url = new URL(`machine/tka/${endpoint}`, this.baseURL);
    return postJSON(url, body, {
      limit,
      timeoutMs: this.#timeoutMs,
      agent: this.#agent,
      ...(this.#signal === undefined ? {} : { signal: this.#signal }),
    });
  }

  /**
   * `bootstrap`: what a node with no chain (`head` = "") starts from, or the secret that
   * disabled Tailnet Lock. The genesis comes back as bytes: check it (a pin) before trusting it.
   */
  async bootstrap(head = ''): Promise<{ genesisAUM?: Uint8Array; disablementSecret?: Uint8Array }> {
    const json = await this.#call('bootstrap', requestJSON.bootstrap(this.#header, head), CONTROL_BODY_LIMIT);
    return fromServer('bootstrap', () => readBootstrapResponse(json));
  }

  /** `sync/offer`: the server's offer, and the AUMs of its chain it thinks we lack (unverified). */
  async syncOffer(offer: SyncOffer): Promise<SyncOffer & { missingAUMs: AUM[] }> {
    const json = await this.#call(
      'sync/offer',
      requestJSON.syncOffer(this.#header, offer),
      CONTROL_SYNC_BODY_LIMIT,
    );
    const r = fromServer('sync/offer', () => readSyncOfferResponse(json));
    const missingAUMs = r.missingAUMs.map((b, i) => decodeServerAUM(b, `MissingAUMs[${i}]`));
    return { head: r.head, ancestors: r.ancestors, missingAUMs };
  }

  /**
   * `sync/send`: hands the server AUMs it lacks (oldest first); returns its head afterwards.
   * `interactive`: an admin's change, which the server stores only if it extends its head.
   */
  async syncSend(head: string, aums: AUM[], interactive = false): Promise<string> {
    const body = requestJSON.syncSend(this.#header, head, aums.map(encodeAUM), interactive);
    const json = await this.#call('sync/send', body, CONTROL_SYNC_BODY_LIMIT);
    return fromServer('sync/send', () => readSyncSendResponse(json)).head;
  }

  /** `init/begin`: proposes a genesis; returns the nodes to sign before init/finish. */
  async initBegin(genesis: AUM): Promise<SignInfo[]> {
    const body = requestJSON.initBegin(this.#header, encodeAUM(genesis));
    const json = await this.#call('init/begin', body, CONTROL_SYNC_BODY_LIMIT);
    return fromServer('init/begin', () => readInitBeginResponse(json));
  }

  /** `init/finish`: a signature per node init/begin listed (NodeID → NKS); turns the lock on. */
  async initFinish(signatures: Map<string, Uint8Array>, supportDisablement?: Uint8Array): Promise<void> {
    const json = await this.#call(
      'init/finish',
      requestJSON.initFinish(this.#header, signatures, supportDisablement),
      CONTROL_BODY_LIMIT,
    );
    fromServer('init/finish', () => readEmptyResponse(json, 'TKAInitFinishResponse'));
  }

  /** `sign`: submits a node-key signature (the server keeps it if the current state authorises it). */
  async submitSignature(signature: Uint8Array): Promise<void> {
    requireBytes(signature, 'submitSignature: signature');
    const json = await this.#call('sign', requestJSON.sign(this.#header, signature), CONTROL_BODY_LIMIT);
    fromServer('sign', () => readEmptyResponse(json, 'TKASubmitSignatureResponse'));
  }

  /** `affected-sigs`: the node-key signatures the server holds that `keyID` authorised (unverified). */
  async signaturesUsingKey(keyID: Uint8Array): Promise<Uint8Array[]> {
    requireBytes(keyID, 'signaturesUsingKey: keyID');
    const json = await this.#call(
      'affected-sigs',
      requestJSON.affectedSigs(this.#header, keyID),
      CONTROL_BODY_LIMIT,
    );
    return fromServer('affected-sigs', () => readSignaturesUsingKeyResponse(json));
  }

  /** `disable`: turns Tailnet Lock off on the server with a disablement secret (raw bytes). */
  async disable(head: string, secret: Uint8Array): Promise<void> {
    requireBytes(secret, 'disable: secret');
    const json = await this.#call(
      'disable',
      requestJSON.disable(this.#header, head, secret),
      CONTROL_BODY_LIMIT,
    );
    fromServer('disable', () => readEmptyResponse(json, 'TKADisableResponse'));
  }
}
