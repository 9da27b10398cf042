import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TlockError } from '../errors.js';
import {
  CONTROL_BODY_LIMIT,
  CONTROL_DISABLE_INTERVAL_MS,
  CONTROL_SYNC_BODY_LIMIT,
  CONTROL_TIMEOUT_MS,
} from '../limits.js';
import { requireBytes } from '../wire/bytes.js';
import { RequestRefused, httpStatusFor } from './http-status.js';
import {
  type TKAInfo,
  readBootstrapRequest,
  readDisableRequest,
  readInitBeginRequest,
  readInitFinishRequest,
  readSignaturesUsingKeyRequest,
  readSubmitSignatureRequest,
  readSyncOfferRequest,
  readSyncSendRequest,
  responseJSON,
} from './messages.js';
import { ClientGone, parseJSONBody, readBody } from './request-body.js';
import { TailnetControl, type TailnetControlOptions } from './tailnet-control.js';
import type { TailnetStores } from './tailnet-store.js';

/** The tailnet of `/machine/tka/…`; others are addressed as `/t/<tailnet>/machine/tka/…`. */
export const DEFAULT_TAILNET = 'default';
const TAILNET_NAME = /^[a-z0-9][a-z0-9._@-]{0,127}$/;
const ROUTE = /^(?:\/t\/([^/]+))?\/machine\/tka\/([a-z/-]+)$/;

interface Endpoint {
  limit: number;
  run(t: TailnetControl, json: unknown): Promise<unknown>;
}

/** Each endpoint: its body limit, and how a parsed request becomes an answer (tailnet-control.ts). */
const ENDPOINTS: Record<string, Endpoint> = {
  bootstrap: {
    limit: CONTROL_BODY_LIMIT,
    run: async (t, json) => {
      readBootstrapRequest(json);
      const r = await t.bootstrap();
      return responseJSON.bootstrap(r.genesis, r.disablementSecret);
    },
  },
  'sync/offer': {
    limit: CONTROL_SYNC_BODY_LIMIT,
    run: async (t, json) => {
      const r = await t.syncOffer(readSyncOfferRequest(json).offer);
      return responseJSON.syncOffer(r.offer, r.missingAUMs);
    },
  },
  'sync/send': {
    limit: CONTROL_SYNC_BODY_LIMIT,
    run: async (t, json) => responseJSON.syncSend(await t.syncSend(readSyncSendRequest(json))),
  },
  'init/begin': {
    limit: CONTROL_BODY_LIMIT,
    run: async (t, json) => {
      const req = readInitBeginRequest(json);
      return responseJSON.initBegin(await t.initBegin(req, req.genesis));
    },
  },
  'init/finish': {
    limit: CONTROL_BODY_LIMIT,
    run: async (t, json) => {
      await t.initFinish(readInitFinishRequest(json));
      return responseJSON.empty();
    },
  },
  sign: {
    limit: CONTROL_BODY_LIMIT,
    run: async (t, json) => {
      await t.submitSignature(readSubmitSignatureRequest(json).signature);
      return responseJSON.empty();
    },
  },
  'affected-sigs': {
    limit: CONTROL_BODY_LIMIT,
    run: async (t, json) =>
      responseJSON.signaturesUsingKey(await t.signaturesUsingKey(readSignaturesUsingKeyRequest(json).keyID)),
  },
  disable: {
    limit: CONTROL_BODY_LIMIT,
    run: async (t, json) => {
      await t.disable(readDisableRequest(json).secret);
      return responseJSON.empty();
    },
  },
};

export interface ControlServerOptions extends TailnetControlOptions {
  /** Where each tailnet's chain, signatures and settings live (FileTailnetStores for a directory). */
  stores: TailnetStores;
  /** One line per refused or failed request (default: none). */
  log?: (line: string) => void;
  /** Tailnets kept open between requests (default 10 000); the least recently used go first. */
  maxOpenTailnets?: number;
}

function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

/** Which tailnet and endpoint a request path names; 404 for any other path. */
function route(url: string | undefined): { tailnet: string; endpoint: Endpoint } {
  const path = new URL(url ?? '/', 'http://server').pathname;
  const m = ROUTE.exec(path);
  const name = m?.[2];
  const endpoint = name !== undefined && Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name] : undefined;
  if (m === null || endpoint === undefined) {
    throw new RequestRefused(
      404,
      'NOT_FOUND',
      `no such endpoint: ${path.slice(0, 200)} (see /machine/tka/…)`,
    );
  }
  let tailnet = DEFAULT_TAILNET;
  if (m[1] !== undefined) {
    try {
      tailnet = decodeURIComponent(m[1]);
    } catch {
      tailnet = '';
    }
    if (!TAILNET_NAME.test(tailnet)) {
      throw new RequestRefused(
        400,
        'INVALID_ARGUMENT',
        'a tailnet name is 1-128 characters of a-z, 0-9, ".", "_", "@", "-", starting with a letter or digit',
      );
    }
  }
  return { tailnet, endpoint };
}

/**
 * The Tailnet Lock coordination server: Tailscale's `/machine/tka/…` messages over HTTP (POST,
 * or GET with a JSON body as tailscaled sends them), for any number of tailnets. Use `listen`, or
 * mount `handle` in another node:http server (a coordination server that also sends map
 * responses, with `tkaInfo` and `signatureFor`).
 */
export class ControlServer {
  readonly #options: ControlServerOptions;
  readonly #tailnets = new Map<string, Promise<TailnetControl>>();
  readonly #inUse = new Map<string, number>();
  readonly #maxOpen: number;
  #server: Server | undefined;
  #lastDisablementCheck = -Infinity;

  constructor(options: ControlServerOptions) {
    if (typeof options !== 'object' || options === null || typeof options.stores?.open !== 'function') {
      throw new TlockError('INVALID_ARGUMENT', 'ControlServer: options.stores must be a TailnetStores');
    }
    const max = options.maxOpenTailnets ?? 10_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        'ControlServer: options.maxOpenTailnets must be a positive integer',
      );
    }
    this.#maxOpen = max;
    const clock = options.clock ?? Date.now;
    this.#options = {
      mayCheckDisablement: () => {
        const now = clock();
        if (now - this.#lastDisablementCheck < CONTROL_DISABLE_INTERVAL_MS) return false;
        this.#lastDisablementCheck = now;
        return true;
      },
      ...options,
    };
  }

  /** The request listener, for mounting in a node:http server of your own. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.#serve(req, res);
  };

  /** Starts listening; port 0 picks a free one. Resolves with the address bound. */
  async listen(port: number, host: string): Promise<AddressInfo> {
    if (this.#server !== undefined) throw new TlockError('CONFLICT', 'ControlServer: already listening');
    const server = createServer({ requestTimeout: CONTROL_TIMEOUT_MS, headersTimeout: 30_000 }, this.handle);
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /**
   * Stops accepting connections, lets requests in progress finish (writes are atomic either
   * way), closes idle keep-alive connections, and after `graceMs` cuts whatever is left.
   */
  async close(graceMs = 5_000): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  /** TKAInfo for a map response to a node of `tailnet`: undefined when Tailnet Lock is off there. */
  async tkaInfo(tailnet = DEFAULT_TAILNET): Promise<TKAInfo | undefined> {
    return this.#with(tailnet, (t) => t.tkaInfo());
  }

  /** The newest verified signature of a node key (32 bytes), for its `KeySignature` in map responses. */
  async signatureFor(nodeKey: Uint8Array, tailnet = DEFAULT_TAILNET): Promise<Uint8Array | undefined> {
    requireBytes(nodeKey, 'signatureFor: nodeKey', 32);
    return this.#with(tailnet, (t) => t.signatureFor(nodeKey));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'POST' && req.method !== 'GET') {
        res.setHeader('Allow', 'GET, POST');
        throw new RequestRefused(
          405,
          'INVALID_ARGUMENT',
          `use POST (or GET with a JSON body), not ${req.method}`,
        );
      }
      const { tailnet, endpoint } = route(req.url);
      const json = parseJSONBody(await readBody(req, endpoint.limit));
      const answer = await this.#with(tailnet, (t) => endpoint.run(t, json));
      sendJSON(res, 200, answer);
    } catch (e) {
      if (e instanceof ClientGone) return;
      this.#refuse(req, res, e);
    }
  }

  #refuse(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    const error = e instanceof TlockError ? e : new TlockError('INTERNAL', String(e), { cause: e });
    const status = httpStatusFor(error);
    const where = `${req.method} ${(req.url ?? '').slice(0, 200)}`;
    this.#options.log?.(`${status} ${where}: ${error.code}: ${error.message}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The server's own failures stay in its log: paths and internals are nobody else's business.
    const message =
      status >= 500 ? `the server failed (${error.code}); its log says why. Try again later.` : error.message;
    sendJSON(res, status, { error: message, code: status >= 500 ? 'INTERNAL' : error.code });
  }

  /**
   * Runs `fn` on the tailnet's control, opened once per process and kept for the next request
   * (each request catches up with the store first). A tailnet with nothing stored is forgotten
   * after the request, so unknown names leave nothing behind; past `maxOpenTailnets`, the least
   * recently used idle tailnets are forgotten too (they are read again when asked for).
   */
  async #with<T>(tailnet: string, fn: (t: TailnetControl) => Promise<T>): Promise<T> {
    let opening = this.#tailnets.get(tailnet);
    if (opening === undefined) {
      opening = TailnetControl.open(tailnet, this.#options.stores, this.#options);
    } else {
      this.#tailnets.delete(tailnet); // to the end of the map: the most recently used
    }
    this.#tailnets.set(tailnet, opening);
    this.#inUse.set(tailnet, (this.#inUse.get(tailnet) ?? 0) + 1);
    let control: TailnetControl | undefined;
    try {
      control = await opening;
      return await fn(control);
    } finally {
      const left = this.#inUse.get(tailnet)! - 1;
      if (left > 0) this.#inUse.set(tailnet, left);
      else {
        this.#inUse.delete(tailnet);
        const forget = control === undefined || control.forgettable();
        if (forget && this.#tailnets.get(tailnet) === opening) this.#tailnets.delete(tailnet);
      }
      this.#forgetIdle();
    }
  }

  /** Forgets the least recently used tailnets not in use, down to `maxOpenTailnets`. */
  #forgetIdle(): void {
    let over = this.#tailnets.size - this.#maxOpen;
    for (const name of this.#tailnets.keys()) {
      if (over <= 0) break;
      if (this.#inUse.has(name)) continue;
      this.#tailnets.delete(name);
      over--;
    }
  }
}
