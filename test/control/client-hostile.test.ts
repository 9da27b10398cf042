import { type Server, createServer } from 'node:http';
import { type Server as NetServer, type Socket, createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient, MemoryStore, TlockError, bootstrapFromServer } from '../../src/index.js';

/*
 * The client against servers that misbehave (real servers on loopback): silence, junk,
 * oversized answers, refusals with hostile text. Every case is a typed TlockError, fast.
 */

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

async function failure(url: string, timeoutMs = 2000): Promise<TlockError> {
  const client = new ControlClient(url, { timeoutMs });
  try {
    await client.bootstrap('');
  } catch (e) {
    expect(e).toBeInstanceOf(TlockError);
    return e as TlockError;
  } finally {
    client.close();
  }
  throw new Error('expected the request to fail');
}

describe('ControlClient against misbehaving servers', () => {
  it('a server that never answers: NETWORK after the timeout', async () => {
    const silent: NetServer = createNetServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const sockets: Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const started = Date.now();
    const e = await failure(`http://127.0.0.1:${port}`, 300);
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/no answer .* within/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a server that trickles its answer forever is cut off by the same timeout', async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    expect((await failure(url, 400)).code).toBe('NETWORK');
  });

  it('nobody listening, junk, and an answer over the size limit: NETWORK', async () => {
    const refusedPort = await httpServer(() => undefined).then((u) => {
      closers.pop()!(); // close it again: the port is now free
      return u;
    });
    expect((await failure(refusedPort)).message).toMatch(/cannot reach .*ECONNREFUSED/);
    const junk = await httpServer((_req, res) => res.end('<html>hello</html>'));
    expect((await failure(junk)).message).toMatch(/not JSON/);
    const wrongShape = await httpServer((_req, res) => res.end('{"GenesisAUM": 5}'));
    expect((await failure(wrongShape)).message).toMatch(/malformed: TKABootstrapResponse.GenesisAUM/);
    const huge = await httpServer((_req, res) => res.end(`{"GenesisAUM":"${'A'.repeat(2 * 1024 * 1024)}"}`));
    expect((await failure(huge)).message).toMatch(/larger than 1048576 bytes/);
  });

  it('a refusal is SERVER_REFUSED with the status, its code, and printable text only', async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'go away\u001b[31m' + 'x'.repeat(1000), code: 'FORBIDDEN' }));
    });
    const e = await failure(url);
    expect(e).toMatchObject({ code: 'SERVER_REFUSED', status: 403, serverCode: 'FORBIDDEN' });
    expect(e.message).not.toContain('\u001b');
    expect(e.message.length).toBeLessThan(500);
  });

  it('a genesis that is not an AUM is refused, and nothing is stored', async () => {
    const url = await httpServer((_req, res) => res.end('{"GenesisAUM":"/w=="}'));
    const client = new ControlClient(url);
    const store = new MemoryStore();
    try {
      await expect(bootstrapFromServer(client, store, { tofu: true })).rejects.toMatchObject({
        code: 'INVALID_AUM',
      });
      expect(await store.heads()).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('an aborted request is NETWORK, at once', async () => {
    const url = await httpServer(() => undefined);
    const controller = new AbortController();
    const client = new ControlClient(url, { signal: controller.signal });
    const pending = client.bootstrap('');
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringMatching(/cancelled/),
    });
    client.close();
  });
});
