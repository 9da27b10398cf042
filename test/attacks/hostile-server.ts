import { type Server, createServer } from 'node:http';
import { expect, onTestFinished } from 'vitest';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { signAUM } from '../../src/authority/aum-signing.js';
import { Authority } from '../../src/authority/authority.js';
import { ControlClient } from '../../src/control/client.js';
import { FileHeadMemory } from '../../src/control/head-memory.js';
import { syncWithServer } from '../../src/control/sync-with-server.js';
import type { SigningKey } from '../../src/crypto/ed25519.js';
import type { TlockError, TlockErrorCode } from '../../src/errors.js';
import { type AUM, aumHash, encodeAUM } from '../../src/model/aum.js';
import { FileStore } from '../../src/store/file-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { keyOf, stateOf, trusted } from '../authority/helpers.js';
import { snapshot } from '../control/fixtures.js';
import { makeTempDir } from '../support/temp-dirs.js';
import { expectTlockError } from '../support/tlock-error.js';

/*
 * The attacker of the sync attacks: a coordination server on loopback that answers each
 * /machine/tka/<endpoint> with whatever the test says (nothing it sends is checked by it), and a
 * node that syncs with it: a FileStore chain and the head it last verified from its server.
 */

export type Answer = (endpoint: string, request: Record<string, unknown>) => unknown;

export class HostileServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts a server for the running test; it is closed when that test finishes. */
  static async start(answer: Answer): Promise<HostileServer> {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const endpoint = (req.url ?? '').replace(/^.*\/machine\/tka\//, '');
        const reply = answer(endpoint, body === '' ? {} : (JSON.parse(body) as Record<string, unknown>));
        const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
        res.writeHead(200, { 'content-type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const hostile = new HostileServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    onTestFinished(() => hostile.close());
    return hostile;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export const b64 = (aum: AUM): string => Buffer.from(encodeAUM(aum)).toString('base64');
export const nameOf = (aum: AUM): string => hashToBase32(aumHash(aum));

/** Keys A and B (one vote each) trusted at the genesis; C, D added later; X never trusted. */
export const A = keyOf(1);
export const B = keyOf(2);
export const C = keyOf(3);
export const D = keyOf(4);
export const X = keyOf(9);

export const GENESIS = signAUM(
  { messageKind: 5, prevAUMHash: null, state: stateOf([trusted(A), trusted(B)]) },
  A,
);

/** An AUM after `parent`, signed by `signers`. */
export function after(parent: AUM, body: Omit<AUM, 'prevAUMHash'>, ...signers: SigningKey[]): AUM {
  return signAUM({ ...body, prevAUMHash: aumHash(parent) }, ...signers);
}

/** X1: A adds C. X2: A and B add D (weight 2). */
export const X1 = after(GENESIS, { messageKind: 1, key: trusted(C) }, A);
export const X2 = after(X1, { messageKind: 1, key: trusted(D) }, A, B);

export interface SyncingNode {
  dir: string;
  store: FileStore;
  authority: Authority;
  memory: FileHeadMemory;
}

/** A node holding `chain` (genesis first) that remembers its head as verified from its server. */
export async function nodeHolding(chain: AUM[]): Promise<SyncingNode> {
  const dir = makeTempDir('tlock-attack-');
  const store = await FileStore.open(join(dir, 'tka'));
  const authority = await Authority.bootstrap(store, chain[0]!);
  if (chain.length > 1) await authority.inform(store, chain.slice(1));
  const memory = new FileHeadMemory(join(dir, 'server-head'));
  await memory.save(authority.head);
  return { dir, store, authority, memory };
}

/** Syncs the node with the server at `url`. */
export async function sync(node: SyncingNode, url: string): Promise<unknown> {
  const client = new ControlClient(url);
  try {
    return await syncWithServer({
      client,
      authority: node.authority,
      store: node.store,
      memory: node.memory,
    });
  } finally {
    client.close();
  }
}

/** Everything local that a refusal must leave alone: the files (with mtimes), the head, the head on disk. */
export async function localState(node: SyncingNode): Promise<unknown> {
  const reopened = await Authority.open(await FileStore.open(join(node.dir, 'tka')));
  return {
    files: snapshot(node.dir),
    head: node.authority.head,
    onDisk: reopened.head,
    memory: await node.memory.load(),
  };
}

/**
 * The attack: a node holding `chain` syncs with a server that answers `answer`, and refuses with
 * `code`, leaving everything local as it was (`localState`). Returns the node and the refusal.
 */
export async function expectSyncRefused(
  chain: AUM[],
  answer: Answer,
  code: TlockErrorCode,
): Promise<{ node: SyncingNode; error: TlockError }> {
  const node = await nodeHolding(chain);
  const evil = await HostileServer.start(answer);
  const before = await localState(node);
  const error = await expectTlockError(sync(node, evil.url), code);
  expect(await localState(node)).toEqual(before);
  return { node, error };
}

/** The twin: a node holding `chain` syncs with a server that answers `answer`; its head after. */
export async function headAfterSync(chain: AUM[], answer: Answer): Promise<string> {
  const node = await nodeHolding(chain);
  const honest = await HostileServer.start(answer);
  await sync(node, honest.url);
  return node.authority.head;
}

/**
 * A sync/offer answer that offers `aums` with `head` (the last one's hash by default), naming the
 * first one's parent and the genesis as its ancestors (as a server's offer does).
 */
export function offering(aums: AUM[], head = nameOf(aums[aums.length - 1]!)): Answer {
  const parent = aums[0]?.prevAUMHash;
  const ancestors = [...(parent ? [hashToBase32(parent)] : []), nameOf(GENESIS)];
  return (endpoint) =>
    endpoint === 'sync/offer'
      ? { Head: head, Ancestors: ancestors, MissingAUMs: aums.map(b64) }
      : { Head: head };
}
