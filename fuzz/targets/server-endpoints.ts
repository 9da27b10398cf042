import fc from 'fast-check';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signAUM } from '../../src/authority/aum-signing.js';
import { ControlClient } from '../../src/control/client.js';
import { FileTailnetStores } from '../../src/control/file-tailnet-store.js';
import { publishGenesis } from '../../src/control/genesis-publication.js';
import { ControlServer } from '../../src/control/server.js';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { AUMKind, aumHash, encodeAUM } from '../../src/model/aum.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { newAdmin, snapshot } from '../../test/control/fixtures.js';
import { b64, nodeKeyText } from '../../test/nks-fixtures.js';
import { FuzzFailure, type FuzzTarget, INPUT_BUDGET_MS, withinBudget } from '../fuzz-target.js';

/** The budget of a disable request: one Argon2i run (docs/DECISIONS.md) and the usual 250 ms. */
const DISABLE_BUDGET_MS = 1000;
import { type Json, mutatedJson, mutatedText } from '../mutations.js';

interface Answer {
  status: number;
  text: string;
}

function post(url: string, path: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A well-formed request for each endpoint: some the server accepts, some it must refuse. */
function validBodies(genesisHead: string, a: ReturnType<typeof generateSigningKey>): [string, Json][] {
  const header = { Version: 1, NodeKey: nodeKeyText(new Uint8Array(32)) };
  const outsider = generateSigningKey();
  const forged = signAUM(
    {
      messageKind: AUMKind.AddKey,
      prevAUMHash: null,
      key: { kind: 1, votes: 5, public: outsider.publicKey },
    },
    outsider,
  );
  const node = generateSigningKey().publicKey;
  return [
    ['bootstrap', { ...header, Head: '' }],
    ['sync/offer', { ...header, Head: genesisHead, Ancestors: [] }],
    [
      'sync/send',
      { ...header, Head: genesisHead, MissingAUMs: [b64(encodeAUM(forged))], Interactive: false },
    ],
    ['init/begin', { ...header, GenesisAUM: b64(encodeAUM(forged)) }],
    ['init/finish', { ...header, Signatures: { '1': b64(signNodeKey(a, node)) } }],
    ['sign', { ...header, Signature: b64(signNodeKey(a, node)) }],
    ['sign', { ...header, Signature: b64(signNodeKey(outsider, node)) }],
    ['affected-sigs', { ...header, KeyID: b64(a.publicKey) }],
    ['disable', { ...header, Head: genesisHead, DisablementSecret: b64(new Uint8Array(32)) }],
  ];
}

/**
 * Mutated requests (JSON structure and raw text) to every endpoint of a ControlServer on loopback
 * that holds a published tailnet. Besides the shared invariants (the whole request, client and
 * server, within budget): never a 5xx; every refusal is {"error","code"}; a refused request leaves
 * the data directory exactly as it was.
 */
export const serverEndpointsTarget: FuzzTarget = {
  name: 'server endpoints',
  about: 'mutated JSON and raw bodies to every /machine/tka endpoint of a ControlServer on loopback',
  testRuns: 150,
  async prepare() {
    const root = mkdtempSync(join(tmpdir(), 'tlock-fuzz-server-'));
    const data = join(root, 'data');
    const serverErrors: string[] = [];
    const server = new ControlServer({
      stores: new FileTailnetStores(data),
      log: (l) => serverErrors.push(l),
    });
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const admin = await newAdmin(join(root, 'admin'));
    const client = new ControlClient(url);
    await publishGenesis({ client, genesis: admin.genesis, signer: admin.a });
    client.close();
    const bodies = validBodies(hashToBase32(aumHash(admin.genesis)), admin.a);
    const pool = bodies.map(([, b]) => b).flatMap((b) => Object.values(b as Record<string, Json>));
    const input = fc.nat(bodies.length - 1).chain((i) => {
      const [endpoint, body] = bodies[i]!;
      return fc.record({
        endpoint: fc.constant(endpoint),
        tailnet: fc.constantFrom('', '/t/default', '/t/other', '/t/..'),
        body: fc.oneof(
          { weight: 6, arbitrary: mutatedJson(fc.constant(body), pool, 4).map((j) => JSON.stringify(j)) },
          { weight: 2, arbitrary: mutatedText(fc.constant(JSON.stringify(body))) },
          { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
        ),
      });
    });
    return {
      property: fc.asyncProperty(input, async ({ endpoint, tailnet, body }) => {
        const before = snapshot(data);
        const path = `${tailnet}/machine/tka/${endpoint}`;
        // A disablement secret is checked with Argon2i (≈ 300-450 ms of CPU) on purpose; the server
        // runs at most one such check per CONTROL_DISABLE_INTERVAL_MS, refusing the rest at once.
        const budget = endpoint === 'disable' ? DISABLE_BUDGET_MS : INPUT_BUDGET_MS;
        const answer = await withinBudget(`POST ${path}`, () => post(url, path, body), budget);
        if (answer.status >= 500)
          throw new FuzzFailure(
            `${path} answered ${answer.status}: ${answer.text} (server log: ${serverErrors.slice(-1).join('')})`,
          );
        if (answer.status >= 200 && answer.status < 300) return;
        const json = JSON.parse(answer.text) as Record<string, unknown>;
        if (typeof json['error'] !== 'string' || typeof json['code'] !== 'string')
          throw new FuzzFailure(`${path} refused without {"error","code"}: ${answer.text}`);
        const after = snapshot(data);
        if (JSON.stringify(after) !== JSON.stringify(before))
          throw new FuzzFailure(
            `${path} refused (${answer.status} ${String(json['code'])}) but changed the data directory`,
          );
      }),
      close: async () => {
        await server.close(1000);
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
};
