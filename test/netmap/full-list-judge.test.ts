import { describe, expect, it } from 'vitest';
import { FullListJudge } from '../../src/netmap/full-list-judge.js';
import { MapResponseReader } from '../../src/netmap/map-response.js';
import type { PeerColumns } from '../../src/netmap/peer-columns.js';
import type { PeerVerdict } from '../../src/netmap/types.js';

// What the judge reuses, counted: the verdicts themselves are checked against a cold verifier by
// full-list.property.test.ts. Here the signature texts say the verdict: "ok", "bad", or
// "rot:<key>[:<group>]" (an authorised rotation chain listing <key> as a previous key).

function columns(peers: { ID: unknown; Key: string; KeySignature: string }[]): PeerColumns {
  return new MapResponseReader().read(JSON.parse(JSON.stringify({ Peers: peers }))).full!;
}

const peer = (id: number, sig = 'ok', key = `k${id}`) => ({ ID: id, Key: key, KeySignature: sig });

function counting(): { calls: string[]; verdict: (key: unknown, sig: unknown) => PeerVerdict } {
  const calls: string[] = [];
  const verdict = (key: unknown, sig: unknown): PeerVerdict => {
    calls.push(key as string);
    const k = key as string;
    const s = sig as string;
    if (s === 'bad') return { ok: false, key: k, reason: 'BAD_SIGNATURE', detail: 'bad' };
    const [kind, prev, group] = s.split(':');
    const rotation = kind === 'rot' ? { prev: [prev!], group } : undefined;
    return { ok: true, key: k, rotation };
  };
  return { calls, verdict };
}

const reasons = (verdicts: readonly (PeerVerdict | undefined)[]): string[] =>
  Array.from(verdicts, (v) => (v === undefined ? '-' : v.ok ? 'ok' : v.reason));

describe('FullListJudge', () => {
  const list = Array.from({ length: 6 }, (_, i) => peer(i + 1));

  it('judges only the entries whose Key, KeySignature or UnsignedPeerAPIOnly changed', () => {
    const judge = new FullListJudge(true);
    const { calls, verdict } = counting();
    const judgeList = (cols: PeerColumns, head = 'H') => judge.judge(judge.reuse(cols, head), verdict);
    judgeList(columns(list));
    expect(calls).toHaveLength(6);

    calls.length = 0;
    expect(judgeList(columns(list)).allAuthorised).toBe(true);
    expect(calls).toEqual([]);

    calls.length = 0;
    judgeList(columns(list.map((p) => (p.ID === 3 ? peer(3, 'ok', 'k3b') : p))));
    expect(calls).toEqual(['k3b']);

    // A peer added at the front shifts every other: they are paired by ID. (Peer 3's first key
    // is judged again: only the last list is remembered.)
    calls.length = 0;
    judgeList(columns([peer(0), ...list]));
    expect(calls).toEqual(['k0', 'k3']);

    // Under another head nothing is reused.
    calls.length = 0;
    judgeList(columns(list), 'H2');
    expect(calls).toHaveLength(6);
  });

  it('keeps count of refusals and rotation chains as entries come and go', () => {
    const judge = new FullListJudge(true);
    const { verdict } = counting();
    const judgeList = (peers: ReturnType<typeof peer>[]) =>
      judge.judge(judge.reuse(columns(peers), 'H'), verdict);
    expect(judgeList(list).allAuthorised).toBe(true);
    const refused = judgeList(list.map((p) => (p.ID === 2 ? peer(2, 'bad') : p)));
    expect(refused.allAuthorised).toBe(false);
    expect(reasons(refused.verdicts)).toEqual(['ok', 'BAD_SIGNATURE', 'ok', 'ok', 'ok', 'ok']);
    expect(judgeList(list).allAuthorised).toBe(true);

    // Peer 5's chain lists k1: k1 is obsolete while peer 5 carries it, and only then.
    const rotated = judgeList(list.map((p) => (p.ID === 5 ? peer(5, 'rot:k1') : p)));
    expect(reasons(rotated.verdicts)).toEqual(['OBSOLETE_ROTATION', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(rotated.allAuthorised).toBe(false);
    const back = judgeList(list);
    expect(reasons(back.verdicts)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(back.allAuthorised).toBe(true);
  });

  it('finds the obsolete keys again when rotation chains change order', () => {
    const judge = new FullListJudge(true);
    const { verdict } = counting();
    const judgeList = (peers: ReturnType<typeof peer>[]) =>
      judge.judge(judge.reuse(columns(peers), 'H'), verdict);
    // Two chains of one group, equally long: a tie, and the reason names them in list order.
    const a = peer(7, 'rot:k90:g', 'ka');
    const b = peer(8, 'rot:k91:g', 'kb');
    const details = (peers: ReturnType<typeof peer>[]) =>
      judgeList(peers).verdicts.map((v) => (v!.ok ? 'ok' : v!.detail.slice(0, 12)));
    expect(details([peer(1), a, b])).toEqual(['ok', 'tie: ka and ', 'tie: ka and ']);
    expect(details([peer(1), b, a])).toEqual(['ok', 'tie: kb and ', 'tie: kb and ']);
    expect(details([peer(2), b, a])).toEqual(['ok', 'tie: kb and ', 'tie: kb and ']);
  });

  it('leaves out entries that do not count, and starts again after a failure', () => {
    const judge = new FullListJudge(true);
    const { calls, verdict } = counting();
    const cols = columns([peer(1), peer(2), peer(1, 'bad', 'k1b')]);
    const judged = judge.judge(judge.reuse(cols, 'H'), verdict);
    expect(reasons(judged.verdicts)).toEqual(['-', 'ok', 'BAD_SIGNATURE']);
    expect(judged.allAuthorised).toBe(false);

    const failing = (): PeerVerdict => {
      throw new Error('boom');
    };
    expect(() => judge.judge(judge.reuse(columns([peer(2), peer(3)]), 'H'), failing)).toThrow('boom');
    calls.length = 0;
    judge.judge(judge.reuse(columns([peer(2), peer(3)]), 'H'), verdict);
    expect(calls).toEqual(['k2', 'k3']);
  });

  it('remembers nothing when told not to', () => {
    const judge = new FullListJudge(false);
    const { calls, verdict } = counting();
    judge.judge(judge.reuse(columns(list), 'H'), verdict);
    judge.judge(judge.reuse(columns(list), 'H'), verdict);
    expect(calls).toHaveLength(12);
  });
});
