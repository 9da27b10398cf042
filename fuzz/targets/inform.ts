import fc from 'fast-check';
import { signAUM } from '../../src/authority/aum-signing.js';
import { Authority } from '../../src/authority/authority.js';
import { type SigningKey, generateSigningKey } from '../../src/crypto/ed25519.js';
import { type AUM, AUMKind, aumHash, aumSigHash, decodeAUM, encodeAUM } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { toHex } from '../../src/wire/bytes.js';
import { FuzzFailure, type FuzzTarget, guarded, outcome } from '../fuzz-target.js';
import { mutatedBytes } from '../mutations.js';

/**
 * A genesis trusting A and B, and a line of AUMs after it signed by A: AddKey C, NoOp, RemoveKey B,
 * UpdateKey C. X is never trusted; B signs only after its removal (line[2]), when it is no longer trusted.
 */
function scenario(): { genesis: AUM; line: AUM[]; a: SigningKey; b: SigningKey; x: SigningKey } {
  const [a, b, c, x] = [1, 2, 3, 4].map(() => generateSigningKey()) as [
    SigningKey,
    SigningKey,
    SigningKey,
    SigningKey,
  ];
  const key = (k: SigningKey, votes = 1) => ({ kind: 1, votes, public: k.publicKey });
  const genesis = signAUM(
    {
      messageKind: AUMKind.Checkpoint,
      prevAUMHash: null,
      state: {
        lastAUMHash: null,
        disablementValues: [new Uint8Array(32).fill(3)],
        keys: [key(a, 2), key(b)],
        stateID1: 1n,
        stateID2: 2n,
      },
    },
    a,
  );
  const line: AUM[] = [];
  let prev = aumHash(genesis);
  for (const body of [
    { messageKind: AUMKind.AddKey, key: key(c) },
    { messageKind: AUMKind.NoOp, keyID: new Uint8Array([9]) },
    { messageKind: AUMKind.RemoveKey, keyID: b.publicKey },
    { messageKind: AUMKind.UpdateKey, keyID: c.publicKey, votes: 3 },
  ]) {
    const aum = signAUM({ ...body, prevAUMHash: prev }, a);
    line.push(aum);
    prev = aumHash(aum);
  }
  return { genesis, line, a, b, x };
}

/** How one AUM of the batch is made from the scenario. */
function hostileAUM(s: ReturnType<typeof scenario>): fc.Arbitrary<AUM | undefined> {
  const pick = fc.nat(s.line.length - 1).map((i) => s.line[i]!);
  const after = (i: number): Uint8Array => aumHash(i < 0 ? s.genesis : s.line[i]!);
  const forged = (signer: SigningKey, from: number) =>
    fc
      .record({
        at: fc.integer({ min: from, max: s.line.length - 1 }),
        seed: fc.nat(255),
        kind: fc.constantFrom(1, 2, 3, 4, 5),
      })
      .map(({ at, seed, kind }) => {
        const body: AUM = { messageKind: kind, prevAUMHash: after(at), keyID: new Uint8Array([seed]) };
        if (kind === AUMKind.AddKey) body.key = { kind: 1, votes: 9, public: signer.publicKey };
        if (kind === AUMKind.RemoveKey || kind === AUMKind.UpdateKey) body.keyID = s.a.publicKey;
        if (kind === AUMKind.UpdateKey) body.votes = 0;
        if (kind === AUMKind.Checkpoint)
          body.state = { ...s.genesis.state!, keys: [{ kind: 1, votes: 1, public: signer.publicKey }] };
        return signAUM(body, signer);
      });
  const fieldEdit = fc
    .tuple(pick, fc.nat(6), fc.uint8Array({ minLength: 1, maxLength: 33 }), fc.nat(300))
    .map(([aum, field, bytes, n]) => {
      const out = structuredClone(aum);
      if (field === 0) out.messageKind = n % 8;
      else if (field === 1) out.prevAUMHash = bytes;
      else if (field === 2) out.keyID = bytes;
      else if (field === 3) out.votes = n;
      else if (field === 4) out.key = { kind: 1, votes: n, public: bytes };
      else if (field === 5)
        out.signatures = [...(out.signatures ?? []), { keyID: s.x.publicKey, signature: bytes }];
      else if (out.signatures !== undefined)
        out.signatures = out.signatures.map((sig) => ({
          ...sig,
          signature: sig.signature === null ? null : sig.signature.map((v, i) => (i === n % 64 ? v ^ 1 : v)),
        }));
      return out;
    });
  const bytesEdit = mutatedBytes(pick.map(encodeAUM)).map((bytes) => {
    try {
      return decodeAUM(bytes);
    } catch {
      return undefined;
    }
  });
  return fc.oneof(pick, fieldEdit, bytesEdit, forged(s.x, -1), forged(s.b, 2));
}

/** What a store holds: every hash, and the hint. */
async function storeSnapshot(store: MemoryStore): Promise<string> {
  const all = (await store.allAUMs()).map(toHex).sort().join(',');
  const hint = await store.lastActiveAncestor();
  return `${all}|${hint === undefined ? '-' : toHex(hint)}`;
}

/**
 * Batches of real, edited, re-encoded and forged AUMs into Authority.inform on an authority that
 * already holds a prefix of the line. Besides the shared invariants: a refused batch leaves the
 * store and head as they were; an accepted one adds only AUMs whose signed content is the real
 * line's; the store still opens to the same head.
 */
export const informTarget: FuzzTarget = {
  name: 'inform',
  about:
    'batches of real, field-edited, byte-mutated and forged AUMs (unknown and removed keys) into Authority.inform',
  testRuns: 150,
  prepare() {
    const s = scenario();
    const legitimate = new Set([s.genesis, ...s.line].map((a) => toHex(aumSigHash(a))));
    const input = fc.record({
      held: fc.nat(s.line.length),
      batch: fc.array(hostileAUM(s), { minLength: 1, maxLength: 6 }),
    });
    return Promise.resolve({
      property: fc.asyncProperty(input, async ({ held, batch }) => {
        const store = new MemoryStore();
        const authority = await Authority.bootstrap(store, s.genesis);
        if (held > 0) await authority.inform(store, s.line.slice(0, held));
        const aums = batch.filter((a): a is AUM => a !== undefined);
        const before = await storeSnapshot(store);
        const head = authority.head;
        const r = await guarded('inform', () => authority.inform(store, aums));
        if ('error' in r) {
          if ((await storeSnapshot(store)) !== before || authority.head !== head)
            throw new FuzzFailure(`a refused batch (${r.error.code}) changed the store or the head`);
          return;
        }
        for (const hash of await store.allAUMs()) {
          const aum = (await store.get(hash))!;
          if (!legitimate.has(toHex(aumSigHash(aum))))
            throw new FuzzFailure(`inform stored an AUM nobody trusted signed: ${toHex(encodeAUM(aum))}`);
        }
        const reopened = await outcome('Authority.open', () => Authority.open(store));
        if ('error' in reopened || reopened.value.head !== authority.head)
          throw new FuzzFailure('the store does not reopen to the head inform reported');
      }),
    });
  },
};
