import { describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { signAUM } from '../../src/authority/aum-signing.js';
import { applyAUM, verifyAUM } from '../../src/authority/state-machine.js';
import type { TlockErrorCode } from '../../src/errors.js';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import type { AUM } from '../../src/model/aum.js';
import { hashFromBase32, hashToBase32 } from '../../src/wire/base32.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { expectUnchanged, keyOf, stateOf, trusted } from './helpers.js';
import { expectTlockError } from '../support/tlock-error.js';

// docs/FORMAT.md §5.2–5.3: every accept and reject rule, each through inform (the whole pipeline) with the
// authority and the store shown unchanged after every refusal.

const A = keyOf(1); // 1 vote
const B = keyOf(2); // 2 votes
const C = keyOf(3); // not trusted at first
const IDENTITY = new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? 1 : 0));
const idOf = (k: { publicKey: Uint8Array }): Uint8Array => k.publicKey.slice();

/** Trusts A (1 vote), B (2 votes) and, for the ZIP-215 case, the identity point (1 vote). */
async function twoKeyAuthority(): Promise<{ authority: Authority; store: MemoryStore; head: Uint8Array }> {
  const store = new MemoryStore();
  const genesis = signAUM(
    {
      messageKind: AUMKind.Checkpoint,
      prevAUMHash: null,
      state: stateOf([trusted(A, 1), trusted(B, 2), { kind: 1, votes: 1, public: IDENTITY }]),
    },
    A,
  );
  const authority = await Authority.bootstrap(store, genesis);
  return { authority, store, head: hashFromBase32(authority.head) };
}

async function oneKeyAuthority(): Promise<{ authority: Authority; store: MemoryStore; head: Uint8Array }> {
  const store = new MemoryStore();
  const genesis = signAUM(
    { messageKind: AUMKind.Checkpoint, prevAUMHash: null, state: stateOf([trusted(A)]) },
    A,
  );
  const authority = await Authority.bootstrap(store, genesis);
  return { authority, store, head: hashFromBase32(authority.head) };
}

type Build = (head: Uint8Array) => AUM;
const on = (head: Uint8Array, body: Omit<AUM, 'prevAUMHash'>, ...signers: (typeof A)[]): AUM =>
  signAUM({ ...body, prevAUMHash: head }, ...signers);

interface Accepted {
  name: string;
  build: Build;
  check?: (a: Authority) => void;
}

const accepted: Accepted[] = [
  { name: 'a NoOp signed by a trusted key', build: (h) => on(h, { messageKind: AUMKind.NoOp }, A) },
  {
    name: 'an AddKey of a new key',
    build: (h) => on(h, { messageKind: AUMKind.AddKey, key: trusted(C, 3) }, A),
    check: (a) => expect(a.trustedKey(idOf(C))?.votes).toBe(3),
  },
  {
    name: 'a RemoveKey of a trusted key (not the last)',
    build: (h) => on(h, { messageKind: AUMKind.RemoveKey, keyID: idOf(B) }, A),
    check: (a) => expect(a.keyTrusted(idOf(B))).toBe(false),
  },
  {
    name: 'an UpdateKey of votes',
    build: (h) => on(h, { messageKind: AUMKind.UpdateKey, keyID: idOf(B), votes: 7 }, A),
    check: (a) => expect(a.trustedKey(idOf(B))?.votes).toBe(7),
  },
  {
    name: 'an UpdateKey of metadata (replacing the map)',
    build: (h) => on(h, { messageKind: AUMKind.UpdateKey, keyID: idOf(A), meta: { name: 'alice' } }, B),
    check: (a) => expect(a.trustedKey(idOf(A))?.meta).toEqual({ name: 'alice' }),
  },
  {
    name: 'a Checkpoint keeping the state IDs (the state becomes its state)',
    build: (h) => on(h, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(C, 4)]) }, A),
    check: (a) => expect(a.keys().map((k) => k.votes)).toEqual([4]),
  },
  {
    name: 'an unknown kind (9), applied as a no-op',
    build: (h) => on(h, { messageKind: 9, keyID: new Uint8Array([1]) }, A),
    check: (a) => expect(a.keys()).toHaveLength(3),
  },
  { name: 'kind 0 (invalid), applied as a no-op', build: (h) => on(h, { messageKind: 0 }, A) },
  { name: 'two signatures, both by trusted keys', build: (h) => on(h, { messageKind: AUMKind.NoOp }, A, B) },
  {
    name: 'a forged signature for a trusted small-order key (ZIP-215 consensus, docs/FORMAT.md §11)',
    // The identity point as the key, R = identity and S = 0: valid for any message under ZIP-215.
    build: (h) => ({
      messageKind: AUMKind.NoOp,
      prevAUMHash: h,
      signatures: [{ keyID: IDENTITY, signature: new Uint8Array(64).map((_, i) => (i === 0 ? 1 : 0)) }],
    }),
  },
];

describe('accepted AUMs', () => {
  it.each(accepted)('$name', async ({ build, check }) => {
    const { authority, store, head } = await twoKeyAuthority();
    const aum = build(head);
    await authority.inform(store, [aum]);
    expect(authority.head).toBe(hashToBase32(aumHash(aum)));
    check?.(authority);
    // Re-opening the store gives the same head.
    expect((await Authority.open(store)).head).toBe(authority.head);
  });
});

interface Refused {
  name: string;
  build: Build;
  /** Start from an authority trusting only A. */
  oneKey?: boolean;
  code: TlockErrorCode;
  message: string | RegExp;
}

const refused: Refused[] = [
  {
    name: 'an unsigned AUM',
    build: (h) => ({ messageKind: AUMKind.NoOp, prevAUMHash: h }),
    code: 'REJECTED_AUM',
    message: 'update 0 invalid: unsigned AUM',
  },
  {
    name: 'a bad signature',
    build: (h) => {
      const aum = on(h, { messageKind: AUMKind.NoOp }, A);
      aum.signatures![0]!.signature![3]! ^= 1;
      return aum;
    },
    code: 'BAD_SIGNATURE',
    message: 'update 0 invalid: signature 0: invalid signature',
  },
  {
    name: 'a good signature followed by a bad one',
    build: (h) => {
      const aum = on(h, { messageKind: AUMKind.NoOp }, A, B);
      aum.signatures![1]!.signature![0]! ^= 1;
      return aum;
    },
    code: 'BAD_SIGNATURE',
    message: 'update 0 invalid: signature 1: invalid signature',
  },
  {
    name: 'a signature by a key not trusted',
    build: (h) => on(h, { messageKind: AUMKind.NoOp }, C),
    code: 'UNTRUSTED_KEY',
    message: 'update 0 invalid: bad keyID on signature 0: key not found',
  },
  {
    name: 'a trusted signature plus an untrusted one (every signature must be trusted)',
    build: (h) => on(h, { messageKind: AUMKind.NoOp }, A, C),
    code: 'UNTRUSTED_KEY',
    message: 'update 0 invalid: bad keyID on signature 1: key not found',
  },
  {
    name: 'an AddKey signed by the key it adds (trusted only after the AUM)',
    build: (h) => on(h, { messageKind: AUMKind.AddKey, key: trusted(C) }, C),
    code: 'UNTRUSTED_KEY',
    message: /bad keyID on signature 0/,
  },
  {
    name: 'a signature with a 31-byte keyID (static validation)',
    build: (h) => {
      const aum = on(h, { messageKind: AUMKind.NoOp }, A);
      aum.signatures![0]!.keyID = aum.signatures![0]!.keyID!.subarray(1);
      return aum;
    },
    code: 'INVALID_AUM',
    message: 'update 0 invalid: invalid: signature 0 must have a 32-byte keyID and a 64-byte signature',
  },
  {
    name: 'an AddKey without a key (static validation)',
    build: (h) => on(h, { messageKind: AUMKind.AddKey }, A),
    code: 'INVALID_AUM',
    message: 'update 0 invalid: invalid: AddKey AUMs must contain a key',
  },
  {
    name: 'an AddKey of a key with 0 votes (static validation)',
    build: (h) => on(h, { messageKind: AUMKind.AddKey, key: trusted(C, 0) }, A),
    code: 'INVALID_AUM',
    message: /^update 0 invalid: invalid: .*votes must be non-zero/,
  },
  {
    name: 'a RemoveKey of the last trusted key',
    build: (h) => on(h, { messageKind: AUMKind.RemoveKey, keyID: idOf(A) }, A),
    oneKey: true,
    code: 'REJECTED_AUM',
    message: 'update 0 invalid: cannot remove the last trusted key (disable Tailnet Lock instead)',
  },
  {
    name: 'an AddKey of a key already trusted',
    build: (h) => on(h, { messageKind: AUMKind.AddKey, key: trusted(B, 1) }, A),
    code: 'REJECTED_AUM',
    message: 'update 0 cannot be applied: key already exists',
  },
  {
    name: 'a RemoveKey of a key not trusted',
    build: (h) => on(h, { messageKind: AUMKind.RemoveKey, keyID: idOf(C) }, A),
    code: 'REJECTED_AUM',
    message: 'update 0 cannot be applied: key not found',
  },
  {
    name: 'an UpdateKey of a key not trusted',
    build: (h) => on(h, { messageKind: AUMKind.UpdateKey, keyID: idOf(C), votes: 2 }, A),
    code: 'REJECTED_AUM',
    message: 'update 0 cannot be applied: key not found',
  },
  {
    name: 'an UpdateKey to 0 votes (the updated key must stay valid)',
    build: (h) => on(h, { messageKind: AUMKind.UpdateKey, keyID: idOf(B), votes: 0 }, A),
    code: 'INVALID_AUM',
    message: /^update 0 cannot be applied: updated key fails validation: .*non-zero/,
  },
  {
    name: 'an UpdateKey to 4097 votes',
    build: (h) => on(h, { messageKind: AUMKind.UpdateKey, keyID: idOf(B), votes: 4097 }, A),
    code: 'INVALID_AUM',
    message: /^update 0 cannot be applied: updated key fails validation: .*4097 votes > 4096/,
  },
  {
    name: 'a Checkpoint with other state IDs',
    build: (h) => on(h, { messageKind: AUMKind.Checkpoint, state: stateOf([trusted(A)], [11n, 23n]) }, A),
    code: 'REJECTED_AUM',
    message: 'update 0 cannot be applied: checkpointed state has an incorrect stateID',
  },
  {
    name: 'a Checkpoint whose state has no disablement value',
    build: (h) =>
      on(
        h,
        { messageKind: AUMKind.Checkpoint, state: { ...stateOf([trusted(A)]), disablementValues: [] } },
        A,
      ),
    code: 'INVALID_AUM',
    message: /^update 0 invalid: invalid: checkpoint state: at least one disablement value/,
  },
  {
    name: 'an AUM with an empty parent (absent, as Tailscale reads it)',
    build: () => on(new Uint8Array(0), { messageKind: AUMKind.NoOp }, A),
    code: 'REJECTED_AUM',
    message: 'update 0: missing parent (a genesis cannot be informed)',
  },
  {
    name: 'an AUM with a null parent',
    build: () => signAUM({ messageKind: AUMKind.NoOp, prevAUMHash: null }, A),
    code: 'REJECTED_AUM',
    message: 'update 0: missing parent (a genesis cannot be informed)',
  },
  {
    name: 'an AUM whose parent is not stored',
    build: () => on(new Uint8Array(32).fill(7), { messageKind: AUMKind.NoOp }, A),
    code: 'REJECTED_AUM',
    message: /^update 0 computing state: AUM [A-Z2-7]{52} is not stored$/,
  },
];

describe('refused AUMs leave the authority and the store unchanged', () => {
  it.each(refused)('$name', async ({ build, oneKey, code, message }) => {
    const { authority, store, head } = oneKey === true ? await oneKeyAuthority() : await twoKeyAuthority();
    const aum = build(head);
    await expectUnchanged(authority, store, () =>
      expectTlockError(authority.inform(store, [aum]), code, message),
    );
  });
});

describe('the state machine alone', () => {
  const state = { ...stateOf([trusted(A), trusted(B, 2)]), lastAUMHash: new Uint8Array(32).fill(1) };

  it('refuses an AUM whose parent is not the state’s last AUM', () => {
    const aum = on(new Uint8Array(32).fill(2), { messageKind: AUMKind.NoOp }, A);
    expectTlockError(
      () => verifyAUM(aum, state),
      'REJECTED_AUM',
      /^aum with parent 0202.* cannot be applied to a state with parent 0101/,
    );
  });

  it('refuses an AUM with no parent unless it is a genesis', () => {
    const aum = signAUM({ messageKind: AUMKind.NoOp, prevAUMHash: null }, A);
    expectTlockError(() => verifyAUM(aum, state), 'REJECTED_AUM', 'aum has no parent');
    expect(() => verifyAUM(aum, state, { genesis: true })).not.toThrow();
  });

  it('applies by the raw parent bytes: a 31-byte parent (zero-padded when looked up) does not match', () => {
    const last = new Uint8Array(32);
    last.set([5, 6, 7]);
    const aum: AUM = { messageKind: AUMKind.NoOp, prevAUMHash: last.subarray(0, 31) };
    expectTlockError(
      () => applyAUM({ ...state, lastAUMHash: last }, aum, aumHash(aum)),
      'REJECTED_AUM',
      'parent AUMHash mismatch',
    );
  });

  it('finds keys as Go’s State.GetKey does: a key of unknown kind before the signer’s refuses the AUM', () => {
    const odd = { kind: 2, votes: 1, public: idOf(C) };
    const aum = on(state.lastAUMHash, { messageKind: AUMKind.NoOp }, A);
    expect(() => verifyAUM(aum, { ...state, keys: [trusted(A), odd] })).not.toThrow();
    expectTlockError(
      () => verifyAUM(aum, { ...state, keys: [odd, trusted(A)] }),
      'UNTRUSTED_KEY',
      /^bad keyID on signature 0: key of kind 2 has no key ID/,
    );
  });

  it('sets lastAUMHash to the AUM’s hash and leaves the old state alone', () => {
    const aum = on(state.lastAUMHash, { messageKind: AUMKind.RemoveKey, keyID: idOf(B) }, A);
    const after = applyAUM(state, aum, aumHash(aum));
    expect(after.lastAUMHash).toEqual(aumHash(aum));
    expect(after.keys).toHaveLength(1);
    expect(state.keys).toHaveLength(2);
  });
});
