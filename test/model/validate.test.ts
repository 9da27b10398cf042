import { describe, expect, it } from 'vitest';
import { type AUM, type Key, type State, AUMKind, validateAUM } from '../../src/index.js';

import { expectTlockError } from '../support/tlock-error.js';

// docs/FORMAT.md §5.1: static validation, one test per rule, each naming the rule in its message.

const key = (votes: number | bigint = 1, pub = 1, meta?: Record<string, string>): Key => ({
  kind: 1,
  votes,
  public: new Uint8Array(32).fill(pub),
  ...(meta ? { meta } : {}),
});
const state = (over: Partial<State> = {}): State => ({
  lastAUMHash: null,
  disablementValues: [new Uint8Array(32).fill(9)],
  keys: [key()],
  ...over,
});
const sig = { keyID: new Uint8Array(32), signature: new Uint8Array(64) };

function rejects(aum: AUM, message: RegExp): void {
  expectTlockError(() => validateAUM(aum), 'INVALID_AUM', message);
}

describe('static validation accepts', () => {
  const ok: [string, AUM][] = [
    ['an AddKey', { messageKind: AUMKind.AddKey, prevAUMHash: null, key: key() }],
    [
      'a RemoveKey',
      { messageKind: AUMKind.RemoveKey, prevAUMHash: new Uint8Array(32), keyID: new Uint8Array(32) },
    ],
    [
      'an UpdateKey of votes',
      { messageKind: AUMKind.UpdateKey, prevAUMHash: null, keyID: new Uint8Array([1]), votes: 3 },
    ],
    [
      'an UpdateKey of meta',
      { messageKind: AUMKind.UpdateKey, prevAUMHash: null, keyID: new Uint8Array([1]), meta: {} },
    ],
    [
      'a Checkpoint',
      { messageKind: AUMKind.Checkpoint, prevAUMHash: null, state: state(), signatures: [sig] },
    ],
    [
      'a NoOp with anything',
      { messageKind: AUMKind.NoOp, prevAUMHash: null, keyID: new Uint8Array([1]), votes: 0 },
    ],
    ['kind 0', { messageKind: 0, prevAUMHash: null }],
    ['an unknown kind', { messageKind: 200, prevAUMHash: null, votes: 1 }],
    [
      'a key with 4096 votes and 512 bytes of meta',
      { messageKind: 1, prevAUMHash: null, key: key(4096, 1, { k: 'v'.repeat(511) }) },
    ],
    ['a parent of any non-empty length', { messageKind: 3, prevAUMHash: new Uint8Array(5) }],
    [
      'a key whose public is not 32 bytes (checked only when verifying)',
      { messageKind: 1, prevAUMHash: null, key: { kind: 1, votes: 1, public: new Uint8Array(2) } },
    ],
    [
      'a checkpoint state key with an unset public (Go reads its key ID as empty)',
      {
        messageKind: 5,
        prevAUMHash: null,
        state: state({ keys: [key(), { kind: 1, votes: 1, public: null }] }),
      },
    ],
  ];
  for (const [name, aum] of ok) it(name, () => expect(() => validateAUM(aum)).not.toThrow());
});

describe('static validation refuses', () => {
  const bad: [string, AUM, RegExp][] = [
    ['a key with 0 votes', { messageKind: 1, prevAUMHash: null, key: key(0) }, /votes must be non-zero/],
    ['a key with 4097 votes', { messageKind: 1, prevAUMHash: null, key: key(4097) }, /4097 votes > 4096/],
    ['a key with huge votes', { messageKind: 1, prevAUMHash: null, key: key(2n ** 64n - 1n) }, /excessive/],
    [
      'a key of kind 2',
      { messageKind: 1, prevAUMHash: null, key: { kind: 2, votes: 1, public: null } },
      /key kind 2/,
    ],
    [
      'a key with 513 bytes of meta',
      { messageKind: 1, prevAUMHash: null, key: key(1, 1, { k: 'v'.repeat(512) }) },
      /metadata too big \(513/,
    ],
    [
      'meta counted in UTF-8 bytes',
      { messageKind: 1, prevAUMHash: null, key: key(1, 1, { k: 'é'.repeat(256) }) },
      /513/,
    ],
    ['an empty (not null) parent', { messageKind: 3, prevAUMHash: new Uint8Array(0) }, /prevAUMHash/],
    [
      'a signature with a 31-byte keyID',
      { messageKind: 3, prevAUMHash: null, signatures: [{ ...sig, keyID: new Uint8Array(31) }] },
      /signature 0/,
    ],
    [
      'a signature of 63 bytes',
      { messageKind: 3, prevAUMHash: null, signatures: [sig, { ...sig, signature: new Uint8Array(63) }] },
      /signature 1/,
    ],
    [
      'a signature with null fields',
      { messageKind: 3, prevAUMHash: null, signatures: [{ keyID: null, signature: null }] },
      /signature 0/,
    ],
    [
      'a checkpoint state with lastAUMHash',
      { messageKind: 5, prevAUMHash: null, state: state({ lastAUMHash: new Uint8Array(32) }) },
      /parent AUM/,
    ],
    [
      'a checkpoint state with no disablement values',
      { messageKind: 5, prevAUMHash: null, state: state({ disablementValues: [] }) },
      /at least one disablement/,
    ],
    [
      'a checkpoint state with 33 disablement values',
      {
        messageKind: 5,
        prevAUMHash: null,
        state: state({ disablementValues: Array.from({ length: 33 }, (_, i) => new Uint8Array(32).fill(i)) }),
      },
      /too many disablement values \(33/,
    ],
    [
      'a disablement value of 31 bytes',
      { messageKind: 5, prevAUMHash: null, state: state({ disablementValues: [new Uint8Array(31)] }) },
      /got 31, want 32/,
    ],
    [
      'a null disablement value',
      { messageKind: 5, prevAUMHash: null, state: state({ disablementValues: [null] }) },
      /got 0, want 32/,
    ],
    [
      'duplicate disablement values',
      {
        messageKind: 5,
        prevAUMHash: null,
        state: state({ disablementValues: [new Uint8Array(32), new Uint8Array(32)] }),
      },
      /duplicates/,
    ],
    [
      'a checkpoint state with no keys',
      { messageKind: 5, prevAUMHash: null, state: state({ keys: null }) },
      /at least one key/,
    ],
    [
      'a checkpoint state with 513 keys',
      { messageKind: 5, prevAUMHash: null, state: state({ keys: Array.from({ length: 513 }, () => key()) }) },
      /too many keys \(513/,
    ],
    [
      'an invalid key in a checkpoint state',
      { messageKind: 5, prevAUMHash: null, state: state({ keys: [key(0)] }) },
      /key 0.*non-zero/,
    ],
    [
      'duplicate key IDs in a checkpoint state',
      { messageKind: 5, prevAUMHash: null, state: state({ keys: [key(1), key(2)] }) },
      /key 1 duplicates/,
    ],
    [
      'an unset public and an empty one in a checkpoint state (both are the empty key ID)',
      {
        messageKind: 5,
        prevAUMHash: null,
        state: state({
          keys: [
            { kind: 1, votes: 1, public: null },
            { kind: 1, votes: 1, public: new Uint8Array(0) },
          ],
        }),
      },
      /key 1 duplicates/,
    ],
    ['an AddKey without a key', { messageKind: 1, prevAUMHash: null }, /AddKey AUMs must contain a key/],
    [
      'an AddKey with a keyID (even empty)',
      { messageKind: 1, prevAUMHash: null, key: key(), keyID: new Uint8Array(0) },
      /only specify a key/,
    ],
    [
      'an AddKey with votes',
      { messageKind: 1, prevAUMHash: null, key: key(), votes: 1 },
      /only specify a key/,
    ],
    [
      'an AddKey with an empty meta',
      { messageKind: 1, prevAUMHash: null, key: key(), meta: {} },
      /only specify a key/,
    ],
    [
      'a RemoveKey with an empty keyID',
      { messageKind: 2, prevAUMHash: null, keyID: new Uint8Array(0) },
      /must specify a key ID/,
    ],
    [
      'a RemoveKey with a key',
      { messageKind: 2, prevAUMHash: null, keyID: new Uint8Array(1), key: key() },
      /only specify a key ID/,
    ],
    ['an UpdateKey without keyID', { messageKind: 4, prevAUMHash: null, votes: 1 }, /must specify a key ID/],
    [
      'an UpdateKey with neither votes nor meta',
      { messageKind: 4, prevAUMHash: null, keyID: new Uint8Array(1) },
      /votes or metadata/,
    ],
    [
      'an UpdateKey with a state',
      { messageKind: 4, prevAUMHash: null, keyID: new Uint8Array(1), votes: 1, state: state() },
      /may only specify/,
    ],
    ['a Checkpoint without state', { messageKind: 5, prevAUMHash: null }, /must specify the state/],
    [
      'a Checkpoint with votes',
      { messageKind: 5, prevAUMHash: null, state: state(), votes: 1 },
      /may only specify the state/,
    ],
    [
      'a state on a NoOp that is not a valid checkpoint state',
      { messageKind: 3, prevAUMHash: null, state: state({ keys: [] }) },
      /at least one key/,
    ],
  ];
  for (const [name, aum, message] of bad) it(name, () => rejects(aum, message));
});
