import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { FileTailnetStores } from '../../src/control/file-tailnet-store.js';
import { publishGenesis } from '../../src/control/genesis-publication.js';
import { ControlServer } from '../../src/control/server.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { type Admin, ZERO_NODE_KEY, newAdmin, rawRequest, snapshot } from '../control/fixtures.js';
import { makeTempDir } from '../support/temp-dirs.js';
import { nameOf } from './hostile-server.js';

// Attack: endless data sent to the server (by a node or anyone who can reach it): bodies past the
// limit, JSON nested 100 000 deep, a sync offer naming 100 000 ancestors, a send of 20 000 AUMs.
// Each is refused with a 4xx and its code, the tailnet's data stays as it was, and the server
// goes on serving; the twin, an ordinary offer, is answered.

let server: ControlServer;
let url: string;
let data: string;
let admin: Admin;

beforeAll(async () => {
  const root = makeTempDir('tlock-attack-');
  data = join(root, 'data');
  server = new ControlServer({ stores: new FileTailnetStores(data) });
  url = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  admin = await newAdmin(join(root, 'admin'));
  const client = new ControlClient(url);
  await publishGenesis({ client, genesis: admin.genesis, signer: admin.a });
  client.close();
});

afterAll(async () => {
  await server.close(1000);
});

const header = { Version: 1, NodeKey: ZERO_NODE_KEY };

async function refused(path: string, body: string, status: number, code: string): Promise<void> {
  const before = snapshot(data);
  const res = await rawRequest(url, `/machine/tka/${path}`, body);
  expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(status);
  expect(res.json['code']).toBe(code);
  expect(typeof res.json['error']).toBe('string');
  expect(snapshot(data)).toEqual(before);
}

async function stillServing(): Promise<void> {
  const res = await rawRequest(
    url,
    '/machine/tka/sync/offer',
    JSON.stringify({ ...header, Head: nameOf(admin.genesis), Ancestors: [] }),
  );
  expect(res.status).toBe(200);
  expect(res.json['Head']).toBe(nameOf(admin.genesis));
}

describe('attack: endless data', () => {
  it('a sync offer naming 100 000 ancestors (an honest one names at most 1001)', async () => {
    const ancestors = Array.from({ length: 100_000 }, () => hashToBase32(randomBytes(32)));
    const body = JSON.stringify({ ...header, Head: nameOf(admin.genesis), Ancestors: ancestors });
    await refused('sync/offer', body, 422, 'LIMIT');
    await stillServing();
  });

  it('a sync send of 20 000 AUMs', async () => {
    const junk = Buffer.from([0xa1, 0x01, 0x03]).toString('base64');
    const aums = new Array<string>(20_000).fill(junk);
    const body = JSON.stringify({
      ...header,
      Head: nameOf(admin.genesis),
      MissingAUMs: aums,
      Interactive: false,
    });
    // Refused at the first AUM, before the rest is looked at: a genesis cannot be sent.
    await refused('sync/send', body, 422, 'REJECTED_AUM');
    await stillServing();
  });

  it('JSON nested 100 000 levels deep', async () => {
    await refused('sync/offer', '['.repeat(100_000) + ']'.repeat(100_000), 400, 'DECODE');
    await stillServing();
  });

  it('a body past the limit', async () => {
    await refused(
      'bootstrap',
      JSON.stringify({ ...header, Head: 'A'.repeat(2 * 1024 * 1024) }),
      413,
      'LIMIT',
    );
    await stillServing();
  });
});
