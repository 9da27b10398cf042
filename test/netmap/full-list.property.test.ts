import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { decodeNodeKeySignature, encodeNodeKeySignature } from '../../src/model/nks.js';
import { readMapResponseBytes } from '../../src/netmap/map-response-bytes.js';
import { computeVerdict } from '../../src/netmap/peer-verdict.js';
import type { Netmap, NetmapVerdict, VerdictBatcher } from '../../src/netmap/types.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { createCredential, signByCredential } from '../../src/signing/credential.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { resignNodeKey } from '../../src/signing/rotation.js';
import {
  b64,
  forgeRotation,
  newNodeKey,
  nodeKeyText,
  stateTrusting,
  tailscaleZeroWrappedDirect,
} from '../nks-fixtures.js';
import { lineBytes } from './map-response-texts.js';

// A warm verifier judges a full list from what changed since the last one (full-list-judge.ts).
// For random sequences of full lists, each made from the previous one by a few edits (re-keys,
// peers added and removed, repeated IDs, field names in other cases or twice, unreadable entries,
// rotation chains whose obsolescence changes when another peer comes or goes), with authority
// changes, deltas and forgotten answers in between: a warm verifier answers exactly as one without
// a cache fed the same sequence, and on each full list as a brand-new verifier does (but for what
// to remove, which depends on what the daemon held).

const admins = [generateSigningKey(), generateSigningKey(), generateSigningKey()];
const wrap = [generateSigningKey(), generateSigningKey(), generateSigningKey()];
const keys = Array.from({ length: 12 }, newNodeKey);
const keyTexts = keys.map(nodeKeyText);

/** (key index, signature text): a pool where one peer's presence changes another's verdict. */
const pool: [number, string][] = [];
const add = (k: number, sig: Uint8Array): void => void pool.push([k, b64(sig)]);
keys.forEach((k, i) => add(i, signNodeKey(admins[i % 3]!, k)));
// A rotation chain from one Direct signature (group wrap[0]): r2 makes k1 and k0 obsolete, r1 k0;
// clone3 is a second chain from d0 with as many previous keys as r1 (a tie when both are live).
const d0 = signNodeKey(admins[0]!, keys[0]!, { wrappingPubkey: wrap[0]!.publicKey });
const r1 = resignNodeKey(wrap[0]!, keys[1]!, d0);
const r2 = resignNodeKey(wrap[0]!, keys[2]!, r1);
const clone3 = resignNodeKey(wrap[0]!, keys[3]!, d0);
add(0, d0);
add(1, r1);
add(2, r2);
add(3, clone3);
// Two Direct signatures sharing a wrapping key: alone each is fine, together a tie.
add(4, signNodeKey(admins[1]!, keys[4]!, { wrappingPubkey: wrap[1]!.publicKey }));
add(5, signNodeKey(admins[1]!, keys[5]!, { wrappingPubkey: wrap[1]!.publicKey }));
add(6, signNodeKey(admins[2]!, keys[6]!, { wrappingPubkey: wrap[2]!.publicKey }));
const rotating = pool.slice(keys.length);
const { credential, privateKey } = createCredential(admins[1]!);
add(7, signByCredential(privateKey, decodeNodeKeySignature(credential), keys[7]!));
const forged = forgeRotation(tailscaleZeroWrappedDirect(admins[2]!, keys[8]!), new Uint8Array(32));
keys[8] = forged.nodeKey;
keyTexts[8] = nodeKeyText(forged.nodeKey);
add(8, encodeNodeKeySignature(forged.nks));
const badSigs = ['AAAA', '!!', '', b64(Uint8Array.of(0xf6))];

/** One entry of a full list, before it is written as JSON. */
interface Entry {
  id: number | null | string | undefined;
  key: string | undefined;
  sig: string | undefined;
  apiOnly: unknown;
  name: string;
  /** 0: canonical names; 1: `key`; 2: a second, conflicting `KEY`; 3: `keysignature`; 4: `Id`. */
  spelling: number;
  other: number;
}

const pairOf = ([k, s]: [number, string]): { key: string | undefined; sig: string | undefined } => ({
  key: keyTexts[k],
  sig: s,
});
const pairArb = fc.oneof(
  // The rotation chains and the shared wrapping keys often, so that they meet in one list.
  { weight: 4, arbitrary: fc.constantFrom(...rotating).map(pairOf) },
  { weight: 3, arbitrary: fc.constantFrom(...pool).map(pairOf) },
  {
    weight: 1,
    arbitrary: fc.record({
      key: fc.oneof(fc.constantFrom(...keyTexts), fc.constant('nodekey:bad'), fc.constant(undefined)),
      sig: fc.option(fc.constantFrom(...badSigs, ...pool.map(([, s]) => s)), { nil: undefined }),
    }),
  },
);

const entryArb: fc.Arbitrary<Entry> = fc
  .record({
    id: fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 0, max: 40 }) },
      { weight: 1, arbitrary: fc.constantFrom<number | null | string | undefined>(null, undefined, '7') },
    ),
    pair: pairArb,
    apiOnly: fc.oneof(
      { weight: 10, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(true, false, null, 'yes') },
    ),
    spelling: fc.oneof(
      { weight: 10, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
    ),
    name: fc.constantFrom('a.ts.net.', 'b.ts.net.'),
  })
  .map(({ id, pair, apiOnly, spelling, name }) => ({ id, ...pair, apiOnly, name, spelling, other: 0 }));

type Edit =
  | { op: 'rekey'; at: number; pair: { key: string | undefined; sig: string | undefined } }
  | { op: 'insert'; at: number; entry: Entry }
  | { op: 'remove'; at: number }
  | { op: 'move'; at: number; to: number }
  | { op: 'copy-id'; at: number; from: number }
  | { op: 'respell'; at: number; spelling: number }
  | { op: 'api-only'; at: number; apiOnly: unknown }
  | { op: 'rename'; at: number; name: string }
  | { op: 'touch'; at: number };

const at = fc.nat({ max: 50 });
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('rekey' as const), at, pair: pairArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at, entry: entryArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('move' as const), at, to: at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('copy-id' as const), at, from: at }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('respell' as const),
      at,
      spelling: fc.integer({ min: 0, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('api-only' as const),
      at,
      apiOnly: fc.constantFrom<unknown>(true, false, 'yes'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('rename' as const), at, name: fc.constantFrom('c.ts.net.', 'd') }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('touch' as const), at }) },
);

function edited(list: readonly Entry[], edits: readonly Edit[]): Entry[] {
  const out = list.map((e) => ({ ...e }));
  for (const edit of edits) {
    if (edit.op === 'insert') {
      out.splice(edit.at % (out.length + 1), 0, { ...edit.entry });
      continue;
    }
    if (out.length === 0) continue;
    const i = edit.at % out.length;
    const e = out[i]!;
    if (edit.op === 'rekey') Object.assign(e, edit.pair);
    else if (edit.op === 'remove') out.splice(i, 1);
    else if (edit.op === 'move') out.splice(edit.to % out.length, 0, ...out.splice(i, 1));
    else if (edit.op === 'copy-id') e.id = out[edit.from % out.length]!.id;
    else if (edit.op === 'respell') e.spelling = edit.spelling;
    else if (edit.op === 'api-only') e.apiOnly = edit.apiOnly;
    else if (edit.op === 'rename') e.name = edit.name;
    else e.other++;
  }
  return out;
}

/** The entry as a server would write it (the fields in one order, as Tailscale's do). */
function written(e: Entry): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (e.id !== undefined) o[e.spelling === 4 ? 'Id' : 'ID'] = e.id;
  o['Name'] = e.name;
  if (e.key !== undefined) o[e.spelling === 1 ? 'key' : 'Key'] = e.key;
  if (e.sig !== undefined) o[e.spelling === 3 ? 'keysignature' : 'KeySignature'] = e.sig;
  if (e.apiOnly !== undefined) o['UnsignedPeerAPIOnly'] = e.apiOnly;
  o['Endpoints'] = [`192.0.2.${e.other % 250}:41641`];
  if (e.spelling === 2) o['KEY'] = keyTexts[11];
  return o;
}

/** A map response as a node gets it: freshly parsed, so no string is shared with an earlier one. */
const parsed = (resp: Netmap): Netmap => JSON.parse(JSON.stringify(resp)) as Netmap;

type Step =
  | { kind: 'full'; edits: Edit[]; peersChanged: boolean }
  | { kind: 'delta'; resp: Netmap }
  | { kind: 'authority'; trust: boolean[] }
  | { kind: 'forget' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('full' as const),
      edits: fc.array(editArb, { maxLength: 4 }),
      peersChanged: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        PeersChanged: fc.array(entryArb.map(written), { maxLength: 2 }),
        PeersRemoved: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 2 }),
      })
      .map((resp) => ({ kind: 'delta' as const, resp })),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.boolean(), { minLength: 3, maxLength: 3 })
      .map((trust) => ({ kind: 'authority' as const, trust })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'forget' as const }) },
);

const withoutRemovals = (v: NetmapVerdict): unknown => ({
  ...v,
  netmap: { ...v.netmap, PeersRemoved: undefined },
});

/** Verdicts computed at once, in this thread: what a worker pool would answer. */
const inThread: VerdictBatcher = {
  verdicts: (state, claims) => Promise.resolve(claims.map(([key, sig]) => computeVerdict(state, key, sig))),
};

interface Run {
  readonly authority: { head: string; state: ReturnType<typeof stateTrusting> };
  /** The verifiers under test, and the one they must agree with. */
  readonly warm: NetmapVerifier;
  readonly warmAsync: NetmapVerifier;
  readonly uncached: NetmapVerifier;
  /** Fed each response read from its bytes, as the hook reads it (map-response-bytes.ts). */
  readonly fromBytes: NetmapVerifier;
}

function newRun(): Run {
  const authority = { head: 'H-111', state: stateTrusting(...admins) };
  return {
    authority,
    warm: new NetmapVerifier(authority),
    warmAsync: new NetmapVerifier(authority, { batcher: inThread }),
    uncached: new NetmapVerifier(authority, { cacheSize: 0 }),
    fromBytes: new NetmapVerifier(authority, { batcher: inThread }),
  };
}

/** Hands `resp` to every verifier of the run and checks that they agree. */
async function expectAgreement(run: Run, resp: Netmap, full: boolean): Promise<void> {
  const expected = run.uncached.filter(parsed(resp));
  expect(run.warm.filter(parsed(resp))).toEqual(expected);
  expect(await run.warmAsync.filterAsync(parsed(resp))).toEqual(expected);
  // Each response in its own memory, overwritten once read: the verifier may keep nothing that
  // reads from it unless it says so (holdsMemory), as the hook's line memory requires.
  const bytes = lineBytes(JSON.stringify(resp));
  const fromBytes = readMapResponseBytes(bytes);
  expect(fromBytes).toBeDefined();
  const answer = await run.fromBytes.filterAsync(fromBytes!);
  expect(JSON.parse(JSON.stringify(answer))).toEqual(JSON.parse(JSON.stringify(expected)));
  if (!run.fromBytes.holdsMemory(bytes.buffer)) bytes.fill(0x20);
  if (full) {
    expect(withoutRemovals(expected)).toEqual(
      withoutRemovals(new NetmapVerifier(run.authority).filter(parsed(resp))),
    );
  }
}

function changeAuthority(run: Run, trust: readonly boolean[]): void {
  // The head names the state, as a real head does: the same key set, the same head.
  run.authority.head = 'H-' + trust.map((t) => (t ? 1 : 0)).join('');
  run.authority.state = stateTrusting(...admins.filter((_, i) => trust[i]));
}

async function play(run: Run, start: Entry[], steps: readonly Step[]): Promise<void> {
  let list = start;
  for (const step of steps) {
    if (step.kind === 'authority') changeAuthority(run, step.trust);
    else if (step.kind === 'forget') {
      for (const v of [run.warm, run.warmAsync, run.uncached, run.fromBytes]) v.forgetLast();
    } else if (step.kind === 'delta') await expectAgreement(run, step.resp, false);
    else {
      list = edited(list, step.edits);
      if (list.length === 0) continue;
      const resp: Netmap = { Peers: list.map(written), Domain: 'example.ts.net' };
      // A delta beside a full list is ignored by Go, and left out.
      if (step.peersChanged) resp.PeersChanged = [written(list[0]!)];
      await expectAgreement(run, resp, true);
    }
  }
}

describe('NetmapVerifier (property): full lists judged from what changed', () => {
  it('a warm verifier answers each full list exactly as a verifier without a cache, and as a new one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { minLength: 1, maxLength: 10 }),
        fc.array(stepArb, { minLength: 1, maxLength: 14 }),
        async (start, steps) => play(newRun(), start, steps),
      ),
      { numRuns: 200 },
    );
  });

  // Lists long enough for filterAsync to hand the batcher its claims, and for entries to shift
  // after an insertion or removal (pairing by position, then by ID).
  const longList: Entry[] = Array.from({ length: 300 }, (_, i) => {
    const key = newNodeKey();
    const sig = signNodeKey(admins[i % 2]!, key, { wrappingPubkey: newNodeKey() });
    return {
      id: 100 + i,
      key: nodeKeyText(key),
      sig: b64(sig),
      apiOnly: undefined,
      name: `n${i}`,
      spelling: 0,
      other: 0,
    };
  });

  it('on long lists, with claims sent to a batcher, every answer agrees as well', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            {
              weight: 4,
              arbitrary: fc.record({
                kind: fc.constant('full' as const),
                edits: fc.array(
                  editArb.map((e) => ({ ...e, at: e.at * 6 })),
                  { maxLength: 3 },
                ),
                peersChanged: fc.constant(false),
              }),
            },
            {
              weight: 1,
              arbitrary: fc
                .array(fc.boolean(), { minLength: 3, maxLength: 3 })
                .map((trust) => ({ kind: 'authority' as const, trust })),
            },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        async (steps) =>
          play(newRun(), longList, [{ kind: 'full', edits: [], peersChanged: false }, ...steps]),
      ),
      { numRuns: 12 },
    );
  });
});
