import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ControlClient,
  SigKind,
  TlockError,
  affectedNodes,
  createCredential,
  decodeNodeKeySignature,
  formatNodeKey,
  nodeKeyToBinary,
  resignNodes,
  signByCredential,
  signNodeKey,
} from '../../src/index.js';
import { bytesEqual } from '../../src/wire/bytes.js';
import { keyOf } from '../authority/helpers.js';
import { type Admin, ServerProcess, cleanup, publishedAdmin, tempDir } from './fixtures.js';

let root: string;
let server: ServerProcess;
let admin: Admin;
let client: ControlClient;
const nodeKey = (n: number): Uint8Array => new Uint8Array(32).fill(n);

beforeAll(async () => {
  root = tempDir('signatures');
  server = await ServerProcess.start(join(root, 'server'));
  admin = await publishedAdmin(server.url, join(root, 'admin'));
  client = new ControlClient(server.url);
});

afterAll(async () => {
  client.close();
  expect(await server.stop()).toBe(0);
  cleanup(root);
});

describe('node-key signatures on the server', () => {
  it('keeps a valid signature and lists it under the key that made it', async () => {
    const rotation = keyOf(30).publicKey;
    const sig = signNodeKey(admin.a, nodeKey(1), { wrappingPubkey: rotation });
    await client.submitSignature(sig);
    expect(await client.signaturesUsingKey(admin.a.publicKey)).toEqual([sig]);
    expect(await client.signaturesUsingKey(admin.b.publicKey)).toEqual([]);
    const nodes = await affectedNodes(client, admin.a.publicKey, admin.authority.state);
    expect(nodes.map((n) => formatNodeKey(n.nodeKey))).toEqual([formatNodeKey(nodeKey(1))]);
    expect(nodes[0]!.wrappingPubkey).toEqual(rotation);
  });

  it('refuses signatures the current state does not authorise (422) and keeps none of them', async () => {
    const cases: [Uint8Array, string][] = [
      [signNodeKey(keyOf(66), nodeKey(2)), 'UNTRUSTED_KEY'],
      [createCredential(admin.a).credential, 'MALFORMED_SIGNATURE'],
    ];
    for (const [sig, code] of cases) {
      const e = await client.submitSignature(sig).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'SERVER_REFUSED', status: 422, serverCode: code });
    }
    const forged = signNodeKey(admin.a, nodeKey(2));
    forged[forged.length - 1]! ^= 1;
    await expect(client.submitSignature(forged)).rejects.toMatchObject({ status: 422 });
    expect(await client.signaturesUsingKey(keyOf(66).publicKey)).toEqual([]);
  });

  it('re-signing replaces the node’s signature (the newest is kept), durably across a restart', async () => {
    const nodes = await affectedNodes(client, admin.a.publicKey, admin.authority.state);
    expect(await resignNodes(client, admin.b, nodes)).toEqual([formatNodeKey(nodeKey(1))]);
    expect(await client.signaturesUsingKey(admin.a.publicKey)).toEqual([]);
    const [kept] = await client.signaturesUsingKey(admin.b.publicKey);
    expect(kept).toBeDefined();

    const data = server.dataDir;
    expect(await server.stop()).toBe(0);
    server = await ServerProcess.start(data);
    client.close();
    client = new ControlClient(server.url);
    expect(await client.signaturesUsingKey(admin.b.publicKey)).toEqual([kept]);
    // The re-signed node keeps its rotation key.
    const [again] = await affectedNodes(client, admin.b.publicKey, admin.authority.state);
    expect(again!.wrappingPubkey).toEqual(keyOf(30).publicKey);
  });

  it('a node that joined with a pre-signed auth key is re-signed without the auth key’s one-time key', async () => {
    const { credential, privateKey } = createCredential(admin.a);
    const cred = decodeNodeKeySignature(credential);
    await client.submitSignature(signByCredential(privateKey, cred, nodeKey(5)));
    const nodes = await affectedNodes(client, admin.a.publicKey, admin.authority.state);
    expect(nodes.map((n) => formatNodeKey(n.nodeKey))).toEqual([formatNodeKey(nodeKey(5))]);
    expect(cred.wrappingPubkey).toHaveLength(32); // the one-time key, which could sign a rotation
    expect(nodes[0]!.wrappingPubkey).toBeUndefined();

    expect(await resignNodes(client, admin.b, nodes)).toEqual([formatNodeKey(nodeKey(5))]);
    const resigned = (await client.signaturesUsingKey(admin.b.publicKey))
      .map((sig) => decodeNodeKeySignature(sig))
      .find((nks) => bytesEqual(nks.pubkey!, nodeKeyToBinary(nodeKey(5))));
    expect(resigned).toMatchObject({ sigKind: SigKind.Direct, keyID: admin.b.publicKey });
    expect(resigned!.wrappingPubkey).toBeUndefined();
  });

  it('affectedNodes refuses signatures that do not verify under the state it is given', async () => {
    const full = admin.authority.state;
    const state = { ...full, keys: full.keys!.filter((k) => !bytesEqual(k.public!, admin.b.publicKey)) };
    const e = await affectedNodes(client, admin.b.publicKey, state).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TlockError);
    expect((e as TlockError).code).toBe('UNTRUSTED_KEY');
  });
});
