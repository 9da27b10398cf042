import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListen } from '../../cli/commands/serve.js';
import { CLI, ServerProcess, ZERO_NODE_KEY, cleanup, tempDir } from './fixtures.js';

let root: string;

beforeAll(() => {
  root = tempDir('serve');
});

afterAll(() => cleanup(root));

/** One request on a keep-alive connection that stays open afterwards. */
async function keepAliveRequest(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ Version: 1, NodeKey: ZERO_NODE_KEY, Head: '' });
    const req = request(`${url}/machine/tka/bootstrap`, { method: 'POST', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('tlock serve', () => {
  it('stops cleanly on SIGTERM (exit 0), even with a keep-alive connection open', async () => {
    const server = await ServerProcess.start(join(root, 'a'));
    const agent = new Agent({ keepAlive: true });
    try {
      expect(await keepAliveRequest(server.url, agent)).toBe(200);
      const started = Date.now();
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(server.stderr.join('')).toContain('SIGTERM: stopping');
    } finally {
      agent.destroy();
    }
  });

  it('stops on SIGINT with exit 130', async () => {
    const server = await ServerProcess.start(join(root, 'b'));
    expect(await server.stop('SIGINT')).toBe(130);
  });

  it('refuses a bad --listen (exit 2) and a port in use, with a message', async () => {
    const bad = spawnSync(
      process.execPath,
      [CLI, 'serve', '--listen', 'localhost', '--data', join(root, 'c')],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected HOST:PORT/);
    const server = await ServerProcess.start(join(root, 'd'));
    try {
      const busy = spawnSync(
        process.execPath,
        [CLI, 'serve', '--listen', `127.0.0.1:${new URL(server.url).port}`, '--data', join(root, 'e')],
        { encoding: 'utf8' },
      );
      expect(busy.status).toBe(3);
      expect(busy.stderr).toMatch(/cannot listen on 127\.0\.0\.1:[0-9]+: EADDRINUSE/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('reads HOST:PORT, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseListen('localhost:65535')).toEqual({ host: 'localhost', port: 65535 });
    for (const bad of ['127.0.0.1', ':80', '::1:80', 'host:65536', 'host:-1', 'host:8o']) {
      expect(() => parseListen(bad)).toThrow(/expected HOST:PORT/);
    }
  });
});
