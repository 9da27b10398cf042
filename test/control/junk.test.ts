import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, aumHash, bootstrapFromServer, hashToBase32, MemoryStore } from '../../src/index.js';
import {
  type Admin,
  ServerProcess,
  ZERO_NODE_KEY,
  cleanup,
  publishedAdmin,
  rawRequest,
  tempDir,
} from './fixtures.js';

let root: string;
let server: ServerProcess;
let admin: Admin;

beforeAll(async () => {
  root = tempDir('junk');
  server = await ServerProcess.start(join(root, 'server'));
  admin = await publishedAdmin(server.url, join(root, 'admin'));
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  cleanup(root);
});

/** The server still answers a good request, with the right genesis. */
async function stillServing(): Promise<void> {
  const client = new ControlClient(server.url);
  try {
    const { genesisHash } = await bootstrapFromServer(client, new MemoryStore(), { tofu: true });
    expect(genesisHash).toBe(hashToBase32(aumHash(admin.genesis)));
  } finally {
    client.close();
  }
}

function expectRefusal(
  res: { status: number; json: Record<string, unknown> },
  status: number,
  code: string,
): void {
  expect(res.status).toBe(status);
  expect(Object.keys(res.json).sort()).toEqual(['code', 'error']);
  expect(res.json['code']).toBe(code);
  expect(typeof res.json['error']).toBe('string');
}

const offer = (fields: Record<string, unknown>): string =>
  JSON.stringify({
    Version: 1,
    NodeKey: ZERO_NODE_KEY,
    Head: hashToBase32(aumHash(admin.genesis)),
    Ancestors: [],
    ...fields,
  });

describe('junk gets 4xx with {"error","code"}, and the server keeps serving', () => {
  const cases: [string, string, string | Buffer | (() => string), number, string][] = [
    ['not JSON', 'bootstrap', 'hello', 400, 'DECODE'],
    ['truncated JSON', 'bootstrap', '{"Version":1,"NodeKey":"nodekey:00', 400, 'DECODE'],
    ['an empty body', 'bootstrap', '', 400, 'DECODE'],
    ['invalid UTF-8', 'bootstrap', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 400, 'DECODE'],
    ['a JSON array', 'sync/offer', '[1,2]', 400, 'DECODE'],
    ['a field in the wrong case', 'sync/offer', () => offer({ head: 'x' }), 400, 'DECODE'],
    ['no Version', 'bootstrap', JSON.stringify({ NodeKey: ZERO_NODE_KEY, Head: '' }), 400, 'DECODE'],
    [
      'a negative Version',
      'bootstrap',
      JSON.stringify({ Version: -1, NodeKey: ZERO_NODE_KEY }),
      400,
      'DECODE',
    ],
    [
      'a malformed node key',
      'bootstrap',
      JSON.stringify({ Version: 1, NodeKey: 'nodekey:zz' }),
      400,
      'DECODE',
    ],
    ['a malformed hash', 'sync/offer', () => offer({ Ancestors: ['AAAA'] }), 400, 'DECODE'],
    ['a number where text goes', 'sync/offer', () => offer({ Head: 5 }), 400, 'DECODE'],
    [
      'base64 that is not',
      'sync/send',
      JSON.stringify({ Version: 1, NodeKey: ZERO_NODE_KEY, Head: '', MissingAUMs: ['!!!!'] }),
      400,
      'DECODE',
    ],
    [
      'an AUM that does not decode',
      'sync/send',
      JSON.stringify({ Version: 1, NodeKey: ZERO_NODE_KEY, Head: '', MissingAUMs: ['/w=='] }),
      422,
      'INVALID_AUM',
    ],
    [
      'a signature that does not decode',
      'sign',
      JSON.stringify({ Version: 1, NodeKey: ZERO_NODE_KEY, Signature: 'AAAA' }),
      422,
      'MALFORMED_SIGNATURE',
    ],
    [
      'a checkpoint without a state',
      'init/begin',
      JSON.stringify({ Version: 1, NodeKey: ZERO_NODE_KEY, GenesisAUM: 'oQEF' }),
      422,
      'REJECTED_AUM',
    ],
    ['an unknown endpoint', 'frobnicate', '{}', 404, 'NOT_FOUND'],
  ];
  for (const [what, endpoint, body, status, code] of cases) {
    it(`${what} (${endpoint}) → ${status}`, async () => {
      const text = typeof body === 'function' ? body() : body;
      expectRefusal(await rawRequest(server.url, `/machine/tka/${endpoint}`, text), status, code);
    });
  }

  it('a body over 1 MiB (by Content-Length) gets 413 before it is read', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    expectRefusal(await rawRequest(server.url, '/machine/tka/bootstrap', big), 413, 'LIMIT');
    await stillServing();
  });

  it('a chunked sync body over 10 MiB gets 413, which the client (still sending) reads', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 12; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const res = await fetch(`${server.url}/machine/tka/sync/send`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    });
    expectRefusal({ status: res.status, json: (await res.json()) as Record<string, unknown> }, 413, 'LIMIT');
    await stillServing();
  });

  it('a body cut off mid-way (the client hangs up) leaves the server serving', async () => {
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /machine/tka/sync/offer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"Version":1,',
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await stillServing();
  });

  it('other methods get 405 with Allow, and bad tailnet names 400', async () => {
    const res = await rawRequest(server.url, '/machine/tka/bootstrap', '{}', 'PUT');
    expectRefusal(res, 405, 'INVALID_ARGUMENT');
    expectRefusal(
      await rawRequest(server.url, '/t/UPPER/machine/tka/bootstrap', '{}'),
      400,
      'INVALID_ARGUMENT',
    );
    expectRefusal(
      await rawRequest(server.url, '/t/..%2f..%2fetc/machine/tka/bootstrap', '{}'),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('compressed bodies get 415', async () => {
    const res = await rawRequest(server.url, '/machine/tka/bootstrap', '{}', 'POST', {
      'content-encoding': 'gzip',
    });
    expectRefusal(res, 415, 'DECODE');
  });

  it('logs one line per refusal, and still serves after all of it', async () => {
    await stillServing();
    expect(server.stderr.join('')).toMatch(/tlock serve: 413 POST \/machine\/tka\/bootstrap: LIMIT/);
  });
});
