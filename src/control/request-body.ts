import type { IncomingMessage } from 'node:http';
import { TlockError } from '../errors.js';
import { CONTROL_DRAIN_LIMIT } from '../limits.js';
import { RequestRefused } from './http-status.js';

/** The client went away before its request body was complete: there is no one to answer. */
export class ClientGone extends Error {}

/**
 * Reads a request body of at most `limit` bytes. A larger one (by Content-Length, or as it
 * arrives) is refused at once with 413, and the rest of it is read and thrown away, so that a
 * client still sending reads the refusal rather than a reset connection; after
 * CONTROL_DRAIN_LIMIT more bytes the connection is cut.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    let drained = 0;
    const refuse = (): void => {
      refused = true;
      chunks.length = 0;
      reject(
        new RequestRefused(
          413,
          'LIMIT',
          `the request body is larger than this endpoint's limit of ${limit} bytes`,
        ),
      );
    };
    if (req.headers['content-encoding'] !== undefined && req.headers['content-encoding'] !== 'identity') {
      reject(new RequestRefused(415, 'DECODE', 'send the body without Content-Encoding (plain JSON)'));
      refused = true;
    }
    const declared = Number(req.headers['content-length']);
    if (!refused && Number.isFinite(declared) && declared > limit) refuse();
    req.on('data', (chunk: Buffer) => {
      if (refused) {
        drained += chunk.length;
        if (drained > CONTROL_DRAIN_LIMIT) req.socket.destroy();
        return;
      }
      size += chunk.length;
      if (size > limit) refuse();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(new Uint8Array(Buffer.concat(chunks, size)));
    });
    req.on('close', () => {
      if (!req.complete && !refused) reject(new ClientGone('the client closed the connection mid-request'));
    });
    req.on('error', () => {
      if (!refused) reject(new ClientGone('the request stream failed'));
    });
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as a JSON value: DECODE (400) for bytes that are not UTF-8 JSON. */
export function parseJSONBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new TlockError('DECODE', 'the request body is not UTF-8 text; send a JSON object');
  }
  if (text.trim() === '') throw new TlockError('DECODE', 'the request body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TlockError(
      'DECODE',
      `the request body is not JSON (${(e as Error).message}); send a JSON object`,
    );
  }
}
