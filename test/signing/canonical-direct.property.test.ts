import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, sign, signingKeyFromPrivate } from '../../src/crypto/ed25519.js';
import {
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignature,
  encodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from '../../src/model/nks.js';
import type { State } from '../../src/model/state.js';
import { computeVerdict, fullVerdict } from '../../src/netmap/peer-verdict.js';
import { madeUpSignatures } from '../../src/pool/warm-up.js';
import { checkCanonicalDirect } from '../../src/signing/canonical-direct.js';
import { signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { resignNodeKey } from '../../src/signing/rotation.js';
import { nodeKeyToBinary } from '../../src/wire/keytext.js';
import { editsArb, variantOf } from '../model/cbor-variants.js';
import {
  SMALL_ORDER_POINTS,
  b64,
  mixedOrderSignature,
  newNodeKey,
  nodeKeyText,
  signedBytes,
  stateTrusting,
  tailscaleZeroWrappedDirect,
  withTorsionR,
} from '../nks-fixtures.js';
import { hex, loadVectors } from '../support/vectors.js';

// The canonical Direct fast path (src/signing/canonical-direct.ts) against the general path it
// shortcuts: for every (state, Key text, KeySignature text), computeVerdict (which tries the fast
// path first) must give exactly fullVerdict's verdict (ok, reason, detail, rotation), or throw
// exactly what it throws. Signatures are valid, mutated byte by byte, truncated, extended,
// re-encoded non-canonically, or changed as text; keys and states vary around them.

const [adminA, adminB, stranger, nodeTL] = [1, 2, 3, 4].map(() => generateSigningKey()) as [
  ReturnType<typeof generateSigningKey>,
  ReturnType<typeof generateSigningKey>,
  ReturnType<typeof generateSigningKey>,
  ReturnType<typeof generateSigningKey>,
];
const nodeKeys = Array.from({ length: 6 }, newNodeKey);

interface WrappedVector {
  expected: { credentialHex: string; keyIDHex: string; privateKeyHex: string };
}
/** Tailscale's own credential (tka/sig_test.go), its signer's key ID and its one-time key. */
const tailscale = loadVectors<WrappedVector>('wrapped-authkey.json').expected;
const tailscaleKeyID = hex(tailscale.keyIDHex);
const tailscaleCredential = hex(tailscale.credentialHex);

/** A small-order key (the identity point), which ZIP-215 lets anyone sign for: R small-order, S = 0. */
const weakKey = SMALL_ORDER_POINTS[0]!;
function forgedForWeakKey(nodeKey: Uint8Array): Uint8Array {
  const sig = new Uint8Array(64);
  sig.set(SMALL_ORDER_POINTS[2]!, 0);
  return encodeNodeKeySignature({
    sigKind: SigKind.Direct,
    pubkey: nodeKeyToBinary(nodeKey),
    keyID: weakKey,
    signature: sig,
  });
}

function withSignature(bytes: Uint8Array, change: (sig: Uint8Array) => Uint8Array): Uint8Array {
  const nks = decodeNodeKeySignature(bytes);
  return encodeNodeKeySignature({ ...nks, signature: change(nks.signature!) });
}

function mixedOrderDirect(nodeKey: Uint8Array): Uint8Array {
  const nks: NodeKeySignature = {
    sigKind: SigKind.Direct,
    pubkey: nodeKeyToBinary(nodeKey),
    keyID: adminA.publicKey,
    wrappingPubkey: nodeTL.publicKey,
  };
  nks.signature = mixedOrderSignature(adminA, nodeKeySignatureSigHash(nks));
  return encodeNodeKeySignature(nks);
}

/** [the node key a signature is for, its bytes]: every shape, most of them canonical Directs. */
const signatures: [number, Uint8Array][] = [];
nodeKeys.forEach((k, i) => {
  signatures.push([i, signNodeKey(i % 2 ? adminA : adminB, k, { wrappingPubkey: nodeTL.publicKey })]);
  signatures.push([i, signNodeKey(i % 2 ? adminB : adminA, k)]);
});
const direct0 = signNodeKey(adminA, nodeKeys[0]!, { wrappingPubkey: nodeTL.publicKey });
signatures.push(
  [1, encodeNodeKeySignature(tailscaleZeroWrappedDirect(adminB, nodeKeys[1]!))],
  [2, signNodeKey(stranger, nodeKeys[2]!, { wrappingPubkey: nodeTL.publicKey })],
  [3, withSignature(signNodeKey(adminA, nodeKeys[3]!), withTorsionR)],
  [4, mixedOrderDirect(nodeKeys[4]!)],
  [0, withSignature(direct0, () => decodeNodeKeySignature(signatures[1]![1]).signature!)],
  [5, forgedForWeakKey(nodeKeys[5]!)],
  [1, resignNodeKey(nodeTL, nodeKeys[1]!, direct0)],
  [
    2,
    signByCredential(hex(tailscale.privateKeyHex), decodeNodeKeySignature(tailscaleCredential), nodeKeys[2]!),
  ],
  [3, tailscaleCredential],
  // A Direct that nests another signature: canonical bytes, refused by the general path.
  [
    4,
    signedBytes(adminA, {
      sigKind: SigKind.Direct,
      pubkey: nodeKeyToBinary(nodeKeys[4]!),
      keyID: adminA.publicKey,
      nested: decodeNodeKeySignature(direct0),
    }),
  ],
  // A Direct with a keyID of another length, and one with an empty wrapping key written out.
  [
    5,
    signedBytes(adminA, {
      sigKind: SigKind.Direct,
      pubkey: nodeKeyToBinary(nodeKeys[5]!),
      keyID: adminA.publicKey.subarray(0, 31),
    }),
  ],
);

const weakKeyEntry = { kind: 1, votes: 1, public: weakKey };
const states: State[] = [
  stateTrusting(adminA, adminB),
  stateTrusting(adminB),
  stateTrusting(stranger),
  { ...stateTrusting(adminA), keys: null },
  { ...stateTrusting(adminA), keys: [] },
  { ...stateTrusting(adminA, adminB), keys: [weakKeyEntry, ...stateTrusting(adminA, adminB).keys!] },
  {
    ...stateTrusting(adminA),
    keys: [{ kind: 2, votes: 1, public: adminB.publicKey }, ...stateTrusting(adminA).keys!],
  },
  {
    ...stateTrusting(adminA),
    keys: [...stateTrusting(adminA).keys!, { kind: 2, votes: 1, public: adminB.publicKey }],
  },
  {
    ...stateTrusting(adminA),
    keys: [
      { kind: 1, votes: 1, public: null },
      { kind: 1, votes: 1, public: Buffer.from(adminB.publicKey) },
    ],
  },
  { ...stateTrusting(adminA), keys: [{ kind: 1, votes: 1, public: adminA.publicKey.subarray(0, 31) }] },
  { ...stateTrusting(adminA), keys: [{ kind: 1, votes: 1, public: tailscaleKeyID }] },
];

/** Mostly the state that trusts both admins. */
const stateIndex = fc.oneof({ arbitrary: fc.constant(0), weight: 8 }, fc.nat(states.length - 1));

/** Byte-level changes: none, flip, cut, extend, a non-canonical re-encoding, a field rewritten. */
const byteChange = fc.oneof(
  { arbitrary: fc.constant((b: Uint8Array) => b), weight: 8 },
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => (b: Uint8Array) => {
    const out = b.slice();
    out[at % out.length]! ^= x;
    return out;
  }),
  fc.nat().map((n) => (b: Uint8Array) => b.subarray(0, n % b.length)),
  fc
    .uint8Array({ minLength: 1, maxLength: 40 })
    .map((extra) => (b: Uint8Array) => new Uint8Array([...b, ...extra])),
  editsArb.map((edits) => (b: Uint8Array) => variantOf(b, edits)),
  // One byte of the layout's fixed part (map header, pair keys, byte-string heads, "np") rewritten.
  fc
    .tuple(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 40, 41, 42, 75, 76, 77, 142, 143, 144), fc.nat(255))
    .map(([at, v]) => (b: Uint8Array) => {
      const out = b.slice();
      if (at < out.length) out[at] = v;
      return out;
    }),
);

/** Text-level changes: none, a line break, padding dropped or doubled, a character swapped. */
const textChange = fc.oneof(
  { arbitrary: fc.constant((t: string) => t), weight: 12 },
  fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1)) + '\n' + t.slice(at % (t.length + 1))),
  fc.constant((t: string) => t.replace(/=+$/, '')),
  fc.constant((t: string) => t + '='),
  fc.tuple(fc.nat(), fc.constantFrom('-', '_', '=', ' ', 'A', 'é', '+', '/')).map(
    ([at, c]) =>
      (t: string) =>
        t.length === 0 ? c : t.slice(0, at % t.length) + c + t.slice((at % t.length) + 1),
  ),
  // Go ignores the unused low bits of the last character before the padding: so do both paths.
  fc.integer({ min: 1, max: 15 }).map((bits) => (t: string) => {
    const i = t.search(/=+$/) - 1;
    if (i < 0) return t;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const v = alphabet.indexOf(t[i]!) ^ (t.endsWith('==') ? bits : bits & 3);
    return t.slice(0, i) + alphabet[v] + t.slice(i + 1);
  }),
);

/** Key texts: the signature's own node key in several spellings, another node's, malformed ones. */
const keyText = (own: number): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constant(nodeKeyText(nodeKeys[own]!)), weight: 12 },
    fc.constant(nodeKeyText(nodeKeys[own]!).toUpperCase()),
    fc.constant('nodekey:' + nodeKeyText(nodeKeys[own]!).slice(8).toUpperCase()),
    fc.nat(63).map((i) => {
      const t = nodeKeyText(nodeKeys[own]!);
      return t.slice(0, 8 + i) + t[8 + i]!.toUpperCase() + t.slice(9 + i);
    }),
    fc.nat(5).map((i) => nodeKeyText(nodeKeys[i]!)),
    fc.constantFrom(
      'nodekey:',
      'nodekey:zz',
      nodeKeyText(nodeKeys[own]!).slice(0, 71),
      nodeKeyText(nodeKeys[own]!) + '0',
    ),
    fc.nat(63).map((i) => {
      const t = nodeKeyText(nodeKeys[own]!);
      return t.slice(0, 8 + i) + 'g' + t.slice(9 + i);
    }),
  );

type Outcome = { verdict: unknown } | { threw: string };
function outcome(f: () => unknown): Outcome {
  try {
    return { verdict: f() };
  } catch (e) {
    return { threw: String(e) };
  }
}

type Tally = Record<'authorised' | 'bad-signature' | 'fallback', number>;

/** Expects computeVerdict to give (or throw) exactly what fullVerdict does; counts what the fast path said. */
function expectSameVerdict(state: State, key: string, sig: string, tally: Tally): void {
  tally[checkCanonicalDirect(state, key, sig) ?? 'fallback']++;
  const fast = outcome(() => computeVerdict(state, key, sig));
  const full = outcome(() => fullVerdict(state, key, sig));
  expect(fast).toStrictEqual(full);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(full));
}

describe('the canonical Direct fast path gives the general path’s verdicts', () => {
  it('for valid, mutated, truncated and non-canonical signatures, any key text, any state', () => {
    const answered: Tally = { authorised: 0, 'bad-signature': 0, fallback: 0 };
    fc.assert(
      fc.property(
        fc
          .nat(signatures.length - 1)
          .chain((i) =>
            fc.tuple(fc.constant(i), keyText(signatures[i]![0]), byteChange, textChange, stateIndex),
          ),
        ([i, key, changeBytes, changeText, s]) => {
          expectSameVerdict(states[s]!, key, changeText(b64(changeBytes(signatures[i]![1]))), answered);
        },
      ),
      { numRuns: 1500 },
    );
    // The property says something only if the fast path answered often, both ways.
    expect(answered.authorised).toBeGreaterThan(150);
    expect(answered['bad-signature']).toBeGreaterThan(25);
    expect(answered.fallback).toBeGreaterThan(300);
  });
});

const PLACEHOLDER = new Uint8Array(64).fill(0xee);

/**
 * Node key `i`'s Direct by adminA (with or without a rotation key) changed by `change`, then
 * signed over the sig-hash the general path takes for what the change decodes to: for any layout
 * that still decodes, a signature that verifies (a fast path that hashed the wrong bytes would
 * refuse it, one that read the wrong fields would accept the wrong things).
 */
function resignedChange(i: number, wrapping: boolean, change: (b: Uint8Array) => Uint8Array): Uint8Array {
  const template: NodeKeySignature = {
    sigKind: SigKind.Direct,
    pubkey: nodeKeyToBinary(nodeKeys[i]!),
    keyID: adminA.publicKey,
    signature: PLACEHOLDER,
  };
  if (wrapping) template.wrappingPubkey = nodeTL.publicKey;
  const changed = change(encodeNodeKeySignature(template));
  const at = Buffer.from(changed).indexOf(Buffer.from(PLACEHOLDER));
  let decoded: NodeKeySignature;
  try {
    decoded = decodeNodeKeySignature(changed);
  } catch {
    return changed;
  }
  if (at < 0) return changed;
  const out = changed.slice();
  out.set(sign(adminA, nodeKeySignatureSigHash(decoded)), at);
  return out;
}

describe('the canonical Direct fast path on changed layouts signed as the general path hashes them', () => {
  it('gives the general path’s verdict', () => {
    const answered: Tally = { authorised: 0, 'bad-signature': 0, fallback: 0 };
    fc.assert(
      fc.property(
        fc
          .nat(nodeKeys.length - 1)
          .chain((i) => fc.tuple(fc.constant(i), fc.boolean(), byteChange, keyText(i), stateIndex)),
        ([i, wrapping, changeBytes, key, s]) => {
          expectSameVerdict(states[s]!, key, b64(resignedChange(i, wrapping, changeBytes)), answered);
        },
      ),
      { numRuns: 1000 },
    );
    expect(answered.authorised).toBeGreaterThan(100);
    expect(answered.fallback).toBeGreaterThan(200);
  });
});

describe('checkCanonicalDirect answers for exactly the canonical Direct shapes', () => {
  const state = stateTrusting(adminA, adminB);
  const key = nodeKeyText(nodeKeys[0]!);
  const withRotationKey = signNodeKey(adminA, nodeKeys[0]!, { wrappingPubkey: nodeTL.publicKey });
  const withoutRotationKey = signNodeKey(adminB, nodeKeys[0]!);

  it('authorises a Direct with and without a rotation key, and Tailscale’s 32 zero bytes', () => {
    expect(checkCanonicalDirect(state, key, b64(withRotationKey))).toBe('authorised');
    expect(checkCanonicalDirect(state, key, b64(withoutRotationKey))).toBe('authorised');
    const zero = encodeNodeKeySignature(tailscaleZeroWrappedDirect(adminA, nodeKeys[0]!));
    expect(checkCanonicalDirect(state, key, b64(zero))).toBe('authorised');
    expect(computeVerdict(state, key, b64(withRotationKey))).toStrictEqual({
      ok: true,
      key,
      rotation: undefined,
    });
  });

  it('says bad-signature for a crafted R and an R with a torsion part, as the general path does', () => {
    const crafted = b64(withSignature(withRotationKey, withTorsionR));
    expect(checkCanonicalDirect(state, key, crafted)).toBe('bad-signature');
    expect(fullVerdict(state, key, crafted)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(checkCanonicalDirect(state, nodeKeyText(nodeKeys[4]!), b64(mixedOrderDirect(nodeKeys[4]!)))).toBe(
      'bad-signature',
    );
  });

  it('leaves every other shape and input to the general path', () => {
    const leaves = (s: State, k: string, t: string): void =>
      expect(checkCanonicalDirect(s, k, t)).toBeUndefined();
    leaves(state, key.toUpperCase(), b64(withRotationKey)); // not lower-case key text
    leaves(state, nodeKeyText(nodeKeys[1]!), b64(withRotationKey)); // another node's key
    leaves(stateTrusting(stranger), key, b64(withRotationKey)); // key not trusted
    leaves(
      state,
      key,
      b64(
        resignNodeKey(
          nodeTL,
          nodeKeys[0]!,
          signNodeKey(adminA, nodeKeys[5]!, { wrappingPubkey: nodeTL.publicKey }),
        ),
      ),
    );
    leaves(state, key, b64(variantOf(withRotationKey, [['widen-head', 0, 0]]))); // non-canonical CBOR
    leaves(state, key, b64(withRotationKey).replace(/^(.{10})/, '$1\r\n')); // base64 with a line break
    leaves(state, key, b64(withRotationKey).slice(0, -4)); // truncated
    leaves(
      { ...state, keys: [{ kind: 2, votes: 1, public: adminB.publicKey }, ...state.keys!] },
      key,
      b64(withRotationKey),
    );
  });

  it('is the path the workers’ warm-up runs, so that it is compiled before a real batch', () => {
    const { state: madeUp, claims } = madeUpSignatures(4);
    for (const [k, s] of claims) expect(checkCanonicalDirect(madeUp, k, s)).toBe('authorised');
  });

  it('gives the general path’s verdict for Tailscale’s credential and a node signed with it', () => {
    const trusting = { ...state, keys: [{ kind: 1, votes: 1, public: tailscaleKeyID }] };
    const oneTime = signingKeyFromPrivate(hex(tailscale.privateKeyHex));
    const byCredential = b64(
      signByCredential(oneTime.privateKey, decodeNodeKeySignature(tailscaleCredential), nodeKeys[0]!),
    );
    expect(computeVerdict(trusting, key, byCredential)).toStrictEqual({
      ok: true,
      key,
      rotation: { prev: [], group: undefined },
    });
    expect(computeVerdict(trusting, key, b64(tailscaleCredential))).toStrictEqual(
      fullVerdict(trusting, key, b64(tailscaleCredential)),
    );
    expect(computeVerdict(trusting, key, b64(tailscaleCredential))).toMatchObject({
      ok: false,
      reason: 'MALFORMED_SIGNATURE',
    });
  });
});
