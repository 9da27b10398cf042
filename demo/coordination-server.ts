import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A small stand-in for a coordination server (Tailscale's, or Headscale): it hands each node its
 * map responses (POST /machine/map {"NodeKey"}) and answers Tailnet Lock's /machine/tka/…
 * messages by relaying them to `tlock serve`. The demo can then turn it hostile: a scenario
 * decides what goes into the next map responses, and may answer sync/offer itself.
 */

/** A node as the coordination server knows it. */
export interface PeerRecord {
  ID: number;
  Name: string;
  Key: string;
  KeySignature?: string;
}

/** What the server does while hostile. */
export interface Hostility {
  /** The map response a node gets instead of the honest full list. */
  mapFor(self: PeerRecord): Record<string, unknown>;
  /** An answer to /machine/tka/sync/offer, instead of relaying it to tlock serve. */
  syncOffer?: () => Record<string, unknown>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

export class StandInControl {
  readonly peers: PeerRecord[] = [];
  /** The head of the chain `tlock serve` relays, announced in every map response (TKAInfo). */
  tkaHead = '';
  hostility: Hostility | undefined;
  readonly #server: Server;
  #url = '';

  constructor(readonly relayTo: string) {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e: unknown) => {
        res.writeHead(500).end(String(e));
      });
    });
  }

  get url(): string {
    return this.#url;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  close(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }

  /** The honest map response: the node itself, every other node as a peer, and the chain's head. */
  honestMap(self: PeerRecord): Record<string, unknown> {
    return {
      Node: self,
      Peers: this.peers.filter((p) => p.ID !== self.ID),
      TKAInfo: { Head: this.tkaHead },
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await bodyOf(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/machine/map') {
      const { NodeKey } = JSON.parse(body.toString('utf8')) as { NodeKey: string };
      const self = this.peers.find((p) => p.Key === NodeKey);
      if (self === undefined) return void res.writeHead(404).end();
      const map = this.hostility === undefined ? this.honestMap(self) : this.hostility.mapFor(self);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(map));
    }
    if (path === '/machine/tka/sync/offer' && this.hostility?.syncOffer !== undefined) {
      const answer = JSON.stringify(this.hostility.syncOffer());
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    }
    if (path.startsWith('/machine/tka/')) return this.#relay(req, path, body, res);
    res.writeHead(404).end();
  }

  /** Passes a Tailnet Lock message to tlock serve and its answer back, unchanged. */
  async #relay(req: IncomingMessage, path: string, body: Buffer, res: ServerResponse): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const out = request(
        new URL(path, this.relayTo),
        { method: req.method, headers: { 'content-type': 'application/json' } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
          answer.pipe(res).on('finish', resolve);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }
}

/** What the node's daemon does: asks for its next map response. */
export async function fetchMap(control: string, nodeKey: string): Promise<unknown> {
  const res = await fetch(`${control}/machine/map`, {
    method: 'POST',
    body: JSON.stringify({ NodeKey: nodeKey }),
  });
  if (!res.ok) throw new Error(`map request: ${res.status}`);
  return res.json();
}
