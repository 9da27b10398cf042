import { describe, expect, it } from 'vitest';
import { trusted } from '../authority/helpers.js';
import {
  A,
  B,
  C,
  D,
  GENESIS,
  X,
  after,
  expectSyncRefused,
  headAfterSync,
  nameOf,
  offering,
} from './hostile-server.js';

// Attack: an AUM signed by a key the node does not trust: one it never trusted (X), or one an
// earlier AUM removed (B after "remove B"). A well-formed, correctly signed AUM is still refused
// with UNTRUSTED_KEY, and the node keeps its head; the twin, signed by A, is accepted.

const REMOVE_B = after(GENESIS, { messageKind: 2, keyID: B.publicKey }, A);

describe('attack: AUM by an unknown or removed key', () => {
  it('signed by a key never trusted: UNTRUSTED_KEY, nothing stored', async () => {
    await expectSyncRefused(
      [GENESIS],
      offering([after(GENESIS, { messageKind: 1, key: trusted(X) }, X)]),
      'UNTRUSTED_KEY',
    );
  });

  it('signed by a key removed earlier in the chain: UNTRUSTED_KEY, nothing stored', async () => {
    await expectSyncRefused(
      [GENESIS, REMOVE_B],
      offering([after(REMOVE_B, { messageKind: 1, key: trusted(C) }, B)]),
      'UNTRUSTED_KEY',
    );
  });

  it('the removal and the removed key signing after it, in one offer: UNTRUSTED_KEY, nothing stored', async () => {
    await expectSyncRefused(
      [GENESIS],
      offering([REMOVE_B, after(REMOVE_B, { messageKind: 1, key: trusted(D) }, B)]),
      'UNTRUSTED_KEY',
    );
  });

  it('the twin: the same change signed by A is accepted', async () => {
    const good = after(REMOVE_B, { messageKind: 1, key: trusted(C) }, A);
    expect(await headAfterSync([GENESIS, REMOVE_B], offering([good]))).toBe(nameOf(good));
  });
});
