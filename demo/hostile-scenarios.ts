import { generateSigningKey } from '../src/crypto/ed25519.js';
import { encodeAUM } from '../src/model/aum.js';
import { encodeBase64 } from '../src/wire/base64.js';
import type { Hostility, PeerRecord } from './coordination-server.js';
import { aumByUnknownKey, directBy, forgedDirect, forgedZeroRotation, newNodeKey } from './forgeries.js';

/*
 * The hostile coordination server, one attack at a time: what it sends each node, and how to
 * read the node's answer (from `tlock hook`) as a verdict. Each attack is judged on the hook's
 * own output: a dropped peer must be listed in "dropped" with the expected reason and be absent
 * from the netmap passed on; a refused sync must show in "sync" with the expected code while
 * the node's head stays where it was.
 */

/** What the demo knows about the tailnet once it is set up honestly. */
export interface World {
  /** The admin's trusted key, whose signatures the attacker imitates. */
  adminKey: Uint8Array;
  /** The chain's head, as every node holds it. */
  head: string;
  /** The genesis, an older head. */
  genesis: string;
  /** A node signed the way `tailscale lock sign` does without a rotation key (zero wrapping key). */
  legacy: PeerRecord;
}

/** A hook's answer to one map response. */
export type HookAnswer = Record<string, unknown>;

export interface Judgement {
  verdict: string;
  reason: string;
  expected: boolean;
}

export interface Attack {
  offered: string;
  hostility: Hostility;
  judge(answer: HookAnswer): Judgement;
}

interface Dropped {
  key: string;
  reason: string;
  detail: string;
}

interface SyncNote {
  ok: boolean;
  code?: string;
  message?: string;
}

/** An answer that is an error line (the hook could not filter): never what is expected here. */
function errorOf(answer: HookAnswer): Judgement | undefined {
  const e = answer['error'] as { code: string; message: string } | undefined;
  return e === undefined
    ? undefined
    : { verdict: 'error', reason: `${e.code}: ${e.message}`, expected: false };
}

/** The peer `key` must be dropped for `reason` and be nowhere in the netmap passed on. */
export function peerDropped(answer: HookAnswer, key: string, reason: string): Judgement {
  const error = errorOf(answer);
  if (error !== undefined) return error;
  const d = (answer['dropped'] as Dropped[]).find((x) => x.key === key);
  const passedOn = JSON.stringify(answer['netmap']).includes(key.slice('nodekey:'.length));
  if (d === undefined) {
    return { verdict: passedOn ? 'ACCEPTED' : 'absent', reason: 'not in "dropped"', expected: false };
  }
  return {
    verdict: 'dropped',
    reason: `${d.reason}: ${d.detail}`,
    expected: d.reason === reason && !passedOn,
  };
}

/** The sync the response asked for must have been refused with `code`, our head unchanged. */
export function syncRefused(answer: HookAnswer, code: string, head: string): Judgement {
  const error = errorOf(answer);
  if (error !== undefined) return error;
  const s = answer['sync'] as SyncNote | undefined;
  if (s === undefined) return { verdict: 'no sync', reason: 'the hook did not sync', expected: false };
  if (s.ok) return { verdict: 'FOLLOWED', reason: `synced to ${String(answer['head'])}`, expected: false };
  return {
    verdict: 'refused',
    // The hook's message names the server and the head kept; the table wants the why.
    reason: `${s.code ?? ''}: ${(s.message ?? '').replace(/^sync with \S+ failed \((refused what the server \S+ sent: )?/, '')}`,
    expected: s.code === code && answer['head'] === head,
  };
}

const both = (a: Judgement, b: Judgement): Judgement => ({
  verdict: a.verdict === b.verdict ? a.verdict : `${a.verdict} + ${b.verdict}`,
  reason: `${a.reason}; ${b.reason}`,
  expected: a.expected && b.expected,
});

let nextID = 100;

/** A peer the attacker made up, with whatever signature it could produce. */
function intruder(name: string, key: string, signature?: string): PeerRecord {
  return {
    ID: nextID++,
    Name: `${name}.tail-demo.ts.net.`,
    Key: key,
    ...(signature === undefined ? {} : { KeySignature: signature }),
  };
}

/** A delta adding one peer, under the honest head. */
const adding = (w: World, peer: PeerRecord): Hostility => ({
  mapFor: () => ({ PeersChanged: [peer], TKAInfo: { Head: w.head } }),
});

export function attacks(w: World): Attack[] {
  const unsigned = intruder('mallory-unsigned', newNodeKey().text);
  const forgedKey = newNodeKey();
  const forged = intruder('mallory-forged', forgedKey.text, forgedDirect(w.adminKey, forgedKey.bytes));
  const rotation = forgedZeroRotation(w.legacy.KeySignature!);
  const rotated = intruder('mallory-rotated', rotation.key, rotation.signature);
  const rekey = newNodeKey().text;
  const attacker = generateSigningKey();
  const aum = aumByUnknownKey(w.head, attacker);
  const vouchedKey = newNodeKey();
  const vouched = intruder('mallory-vouched', vouchedKey.text, directBy(attacker, vouchedKey.bytes));

  return [
    {
      offered: 'unsigned peer',
      hostility: adding(w, unsigned),
      judge: (a) => peerDropped(a, unsigned.Key, 'MISSING_SIGNATURE'),
    },
    {
      offered: "forged signature (claims the admin's key)",
      hostility: adding(w, forged),
      judge: (a) => peerDropped(a, forged.Key, 'BAD_SIGNATURE'),
    },
    {
      offered: `forged rotation of ${w.legacy.Name.split('.')[0]!}'s zero-wrapped signature`,
      hostility: adding(w, rotated),
      judge: (a) => peerDropped(a, rotated.Key, 'SMALL_ORDER_WRAPPING_KEY'),
    },
    {
      offered: `re-keyed peer in a delta (${w.legacy.Name.split('.')[0]!} gets a new key)`,
      hostility: {
        mapFor: () => ({
          PeersChangedPatch: [{ NodeID: w.legacy.ID, Key: rekey }],
          TKAInfo: { Head: w.head },
        }),
      },
      judge: (a) => peerDropped(a, rekey, 'WRONG_NODE_KEY'),
    },
    {
      offered: 'AUM signed by an unknown key (+ a peer it vouches for)',
      hostility: {
        mapFor: () => ({ PeersChanged: [vouched], TKAInfo: { Head: aum.hash } }),
        syncOffer: () => ({
          Head: aum.hash,
          Ancestors: [w.head],
          MissingAUMs: [encodeBase64(encodeAUM(aum.aum))],
        }),
      },
      judge: (a) =>
        both(syncRefused(a, 'UNTRUSTED_KEY', w.head), peerDropped(a, vouched.Key, 'UNTRUSTED_KEY')),
    },
    {
      offered: 'old head (rollback to the genesis)',
      hostility: {
        mapFor: () => ({ TKAInfo: { Head: w.genesis } }),
        syncOffer: () => ({ Head: w.genesis, Ancestors: [], MissingAUMs: [] }),
      },
      judge: (a) => syncRefused(a, 'ROLLBACK', w.head),
    },
  ];
}

/** The forged AUM the attacker also tries to plant in the relay itself (sync/send). */
export function plantedAUM(head: string): ReturnType<typeof aumByUnknownKey> {
  return aumByUnknownKey(head, generateSigningKey());
}
