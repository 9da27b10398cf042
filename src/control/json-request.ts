import type { Agent as HttpAgent } from 'node:http';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { TlockError, type TlockErrorCode } from '../errors.js';

/** A server's refusal: its HTTP status and the `code` it gave (text from an untrusted server). */
export class ServerRefused extends TlockError {
  readonly status: number;
  readonly serverCode: string | undefined;

  constructor(status: number, serverCode: string | undefined, message: string) {
    super('SERVER_REFUSED', message);
    this.status = status;
    this.serverCode = serverCode;
  }
}

/** Refusal texts are shown to people: printable characters only, and not too many. */
function printable(text: unknown, max = 300): string {
  const s = typeof text === 'string' ? text : '';
  const clean = s.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Reads a response body of at most `limit` bytes; NETWORK if it is longer. */
function readLimited(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        reject(
          new TlockError('NETWORK', `${what}: the answer is larger than ${limit} bytes; refusing to read it`),
        );
      } else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks, size)));
    res.on('error', (e) =>
      reject(new TlockError('NETWORK', `${what}: the answer broke off (${e.message})`, { cause: e })),
    );
  });
}

export interface JsonRequestOptions {
  /** Largest answer read, in bytes. */
  limit: number;
  timeoutMs: number;
  agent: HttpAgent | HttpsAgent;
  signal?: AbortSignal;
}

function refusal(status: number, body: Buffer, what: string): ServerRefused {
  let code: string | undefined;
  let message = body.toString('utf8');
  try {
    const json = JSON.parse(message) as { error?: unknown; code?: unknown };
    if (typeof json === 'object' && json !== null) {
      code = typeof json.code === 'string' ? printable(json.code, 40) : undefined;
      message = typeof json.error === 'string' ? json.error : message;
    }
  } catch {
    // not our server's JSON refusal: show the text as it came
  }
  return new ServerRefused(
    status,
    code,
    `${what}: the server refused (HTTP ${status}${code ? `, ${code}` : ''}): ${printable(message)}`,
  );
}

/**
 * POSTs `body` as JSON to `url` and returns the JSON answer of a 200. Anything else is a
 * TlockError: ServerRefused (SERVER_REFUSED) for a refusal, NETWORK when the server cannot be
 * reached, is too slow, or answers outside the protocol.
 */
export function postJSON(url: URL, body: unknown, opts: JsonRequestOptions): Promise<unknown> {
  const what = url.pathname;
  const payload = Buffer.from(JSON.stringify(body));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      return true;
    };
    const fail = (code: TlockErrorCode, message: string, cause?: unknown): void => {
      if (!settle()) return;
      reject(new TlockError(code, message, cause === undefined ? undefined : { cause }));
      req.destroy();
    };
    // The whole exchange, not only a silence, is bounded: a server that trickles cannot hold us.
    const timer = setTimeout(
      () =>
        fail(
          'NETWORK',
          `${what}: no answer from ${url.origin} within ${Math.round(opts.timeoutMs / 1000)} s`,
        ),
      opts.timeoutMs,
    );
    const req = request(
      url,
      {
        method: 'POST',
        agent: opts.agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const limit = status === 200 ? opts.limit : 64 * 1024;
        readLimited(res, limit, what).then(
          (buf) => {
            if (status !== 200) {
              if (settle()) reject(refusal(status, buf, what));
              return;
            }
            let json: unknown;
            try {
              json = JSON.parse(buf.toString('utf8'));
            } catch {
              fail('NETWORK', `${what}: the server's answer is not JSON; is ${url.origin} a tlock server?`);
              return;
            }
            if (settle()) resolve(json);
          },
          (e: unknown) => fail('NETWORK', (e as Error).message, e),
        );
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') fail('NETWORK', `${what}: cancelled`, e);
      else
        fail(
          'NETWORK',
          `${what}: cannot reach ${url.origin} (${e.code ?? e.message}); is the server running there?`,
          e,
        );
    });
    req.end(payload);
  });
}
