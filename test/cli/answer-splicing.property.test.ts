import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerCarrying, splicedNetmap } from '../../cli/answer-quoting.js';
import { AnswerQuotingInput } from '../../cli/line-protocol.js';
import { readMapResponseBytes } from '../../src/netmap/map-response-bytes.js';
import type { JsonText } from '../../src/wire/json-text.js';
import { scanPlainJson } from '../../src/wire/plain-json.js';
import { response } from '../netmap/map-response-texts.js';

// A hook that drops peers from a response read from its bytes writes its answer spliced from those
// bytes (cli/answer-quoting.ts#splicedNetmap). What the daemon reads must be what JSON.stringify of
// the verifier's answer says, member for member, in the same order.

const text = (parts: readonly (string | Buffer)[]): string =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString('utf8');

/** How a verifier may answer: some members as they were, lists filtered, members replaced, removed or added. */
const edit = fc.record({
  keep: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  change: fc.array(fc.constantFrom('same', 'filter', 'drop-all', 'remove', 'replace', 'undefined', 'mixed'), {
    minLength: 6,
    maxLength: 6,
  }),
  added: fc.option(fc.array(fc.integer(), { maxLength: 3 }), { nil: undefined }),
});

type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function answerTo(resp: Record<string, unknown>, e: Edit): Record<string, unknown> {
  const out: Record<string, unknown> = { ...resp };
  Object.keys(resp).forEach((key, k) => {
    const value = resp[key];
    const change = e.change[k % e.change.length]!;
    if (change === 'remove') delete out[key];
    else if (change === 'replace') out[key] = { replaced: [key] };
    else if (change === 'undefined') out[key] = undefined;
    else if (Array.isArray(value) && change === 'filter') out[key] = value.filter((_, i) => e.keep[i % 8]);
    else if (Array.isArray(value) && change === 'drop-all') out[key] = [];
    else if (Array.isArray(value) && change === 'mixed') {
      out[key] = (value as unknown[]).flatMap((v, i) => (e.keep[i % 8] ? [v] : [{ ID: i }, null]));
    }
  });
  if (e.added !== undefined) out['PeersRemoved'] = e.added;
  return out;
}

describe('splicedNetmap (property)', () => {
  it('reads as JSON.stringify of the answer reads, member for member, and is plain JSON', () => {
    let spliced = 0;
    fc.assert(
      fc.property(response, edit, (line, e) => {
        const bytes = Buffer.from(line);
        const resp = readMapResponseBytes(bytes);
        if (resp === undefined) return;
        spliced++;
        const out = answerTo(resp, e);
        const written = text(splicedNetmap(out, resp)!);
        expect(JSON.stringify(JSON.parse(written))).toBe(JSON.stringify(out));
        // No key twice in an object, at any depth: Go would read such a text otherwise than JSON.parse.
        expect(scanPlainJson(Buffer.from(written), () => undefined)).toBeDefined();
      }),
      { numRuns: 2000 },
    );
    expect(spliced).toBeGreaterThan(500);
  });
});

describe('splicedNetmap', () => {
  const line =
    '{ "Peers" : [ {"ID": 1, "Name": "n\\u0031", "User": 123456789012345678901} ,\n' +
    ' {"ID":2} , {"ID":3,"X":1e400}, {"ID":4} ], "Domain": "ex\\u0061mple", "Seq": 1.50 }';
  const resp = readMapResponseBytes(Buffer.from(line))!;
  const peers = resp['Peers'] as JsonText[];

  it('writes kept entries and untouched members as the server wrote them, neighbours as one piece', () => {
    const out = { ...resp, Peers: [peers[0], peers[2], peers[3]] };
    const parts = splicedNetmap(out, resp)!;
    expect(text(parts)).toBe(
      '{"Peers":[{"ID": 1, "Name": "n\\u0031", "User": 123456789012345678901},{"ID":3,"X":1e400}, {"ID":4}],' +
        '"Domain":"ex\\u0061mple","Seq":1.50}',
    );
    expect(parts.filter((p) => Buffer.isBuffer(p))).toHaveLength(4); // 2 runs of entries, 2 members
  });

  it('writes what the verifier made, and an entry detached from the bytes as its text', () => {
    peers[1]!.detach();
    const out = { Seq: resp['Seq'], Peers: [peers[1], { ID: 9 }], PeersRemoved: [3], Domain: undefined };
    expect(text(splicedNetmap(out, resp)!)).toBe(
      '{"Seq":1.50,"Peers":[{"ID":2},{"ID":9}],"PeersRemoved":[3]}',
    );
    expect(text(splicedNetmap({}, resp)!)).toBe('{}');
  });

  it('is not used for a response parsed from text', () => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(splicedNetmap({ Peers: [] }, parsed)).toBeUndefined();
    const answer = answerCarrying({ Peers: [] }, parsed, { text: line, bytes: [Buffer.from(line)] }, {});
    expect(answer).not.toBeInstanceOf(AnswerQuotingInput);
  });
});
