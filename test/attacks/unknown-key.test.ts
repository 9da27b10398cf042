import { describe, expect, it } from 'vitest';
import { trusted } from '../authority/helpers.js';
import { expectTlockError } from '../support/tlock-error.js';
import {
  A,
  B,
  C,
  D,
  GENESIS,
  HostileServer,
  X,
  after,
  localState,
  nameOf,
  nodeHolding,
  offering,
  sync,
} from './hostile-server.js';

// Attack: an AUM signed by a key the node does not trust: one it never trusted (X), or one an
// earlier AUM removed (B after "remove B"). A well-formed, correctly signed AUM is still refused
// with UNTRUSTED_KEY, and the node keeps its head; the twin, signed by A, is accepted.

const REMOVE_B = after(GENESIS, { messageKind: 2, keyID: B.publicKey }, A);

describe('attack: AUM by an unknown or removed key', () => {
  it('signed by a key never trusted: UNTRUSTED_KEY, nothing stored', async () => {
    const node = await nodeHolding([GENESIS]);
    const evil = await HostileServer.start(
      offering([after(GENESIS, { messageKind: 1, key: trusted(X) }, X)]),
    );
    const before = await localState(node);
    await expectTlockError(sync(node, evil.url), 'UNTRUSTED_KEY');
    expect(await localState(node)).toEqual(before);
  });

  it('signed by a key removed earlier in the chain: UNTRUSTED_KEY, nothing stored', async () => {
    const node = await nodeHolding([GENESIS, REMOVE_B]);
    const evil = await HostileServer.start(
      offering([after(REMOVE_B, { messageKind: 1, key: trusted(C) }, B)]),
    );
    const before = await localState(node);
    await expectTlockError(sync(node, evil.url), 'UNTRUSTED_KEY');
    expect(await localState(node)).toEqual(before);
  });

  it('the removal and the removed key signing after it, in one offer: UNTRUSTED_KEY, nothing stored', async () => {
    const node = await nodeHolding([GENESIS]);
    const evil = await HostileServer.start(
      offering([REMOVE_B, after(REMOVE_B, { messageKind: 1, key: trusted(D) }, B)]),
    );
    const before = await localState(node);
    await expectTlockError(sync(node, evil.url), 'UNTRUSTED_KEY');
    expect(await localState(node)).toEqual(before);
  });

  it('the twin: the same change signed by A is accepted', async () => {
    const node = await nodeHolding([GENESIS, REMOVE_B]);
    const good = after(REMOVE_B, { messageKind: 1, key: trusted(C) }, A);
    const honest = await HostileServer.start(offering([good]));
    await sync(node, honest.url);
    expect(node.authority.head).toBe(nameOf(good));
  });
});
