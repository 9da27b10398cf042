import fc from 'fast-check';
import { Readable, Writable } from 'node:stream';
import { runLineProtocol } from '../../cli/line-protocol.js';
import { FuzzFailure, type FuzzTarget, guarded } from '../fuzz-target.js';

const MAX_LINE = 64;

/** One line of hostile input (no newline in it). */
const line = fc.oneof(
  fc.json({ maxDepth: 3 }).map((j) => Buffer.from(j)),
  fc.string({ maxLength: 80 }).map((s) => Buffer.from(s.replace(/\n/g, ''))),
  fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b.filter((x) => x !== 10))),
  fc.integer({ min: 1, max: 20_000 }).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d))),
  fc.constantFrom(
    Buffer.from(''),
    Buffer.from(' \t'),
    Buffer.from('\r'),
    Buffer.from('{}'),
    Buffer.from('x'.repeat(MAX_LINE + 1)),
  ),
);

/** Lines joined by LF or CRLF, maybe without a last newline, cut into chunks at random places. */
const input = fc
  .record({
    lines: fc.array(line, { minLength: 1, maxLength: 8 }),
    crlf: fc.boolean(),
    lastNewline: fc.boolean(),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  })
  .map(({ lines, crlf, lastNewline, cuts }) => {
    const sep = Buffer.from(crlf ? '\r\n' : '\n');
    const parts = lines.flatMap((l, i) => (i < lines.length - 1 || lastNewline ? [l, sep] : [l]));
    const whole = Buffer.concat(parts);
    const at = [...new Set(cuts.map((c) => (whole.length === 0 ? 0 : c % whole.length)))].sort(
      (a, b) => a - b,
    );
    const chunks = [0, ...at]
      .map((from, i) => whole.subarray(from, at[i] ?? whole.length))
      .filter((c) => c.length > 0);
    return { whole, chunks };
  });

/** The answers the protocol writes for this input, as lines. */
async function answers(chunks: Buffer[]): Promise<string[]> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  await runLineProtocol(Readable.from(chunks), sink, (v) => Promise.resolve({ echo: v }), {
    maxLineBytes: MAX_LINE,
  });
  return out.split('\n').slice(0, -1);
}

/**
 * Hostile stdin for the hook's line reader (cli/line-protocol.ts): blank, over-long, non-JSON,
 * deeply nested and invalid UTF-8 lines, LF or CRLF, cut into chunks anywhere. Besides the shared
 * invariants: one JSON answer per line, and the same answers however the input was chunked.
 */
export const lineReaderTarget: FuzzTarget = {
  name: 'hook line reader',
  about:
    "blank, over-long, non-JSON, deeply nested and non-UTF-8 lines in random chunks into the hook's line protocol",
  testRuns: 300,
  prepare: () =>
    Promise.resolve({
      property: fc.asyncProperty(input, async ({ whole, chunks }) => {
        const r = await guarded('runLineProtocol', () => answers(chunks));
        if ('error' in r)
          throw new FuzzFailure(`the line protocol threw ${r.error.code}: ${r.error.message}`);
        const newlines = whole.filter((b) => b === 10).length;
        const expected = newlines + (whole.length > 0 && whole[whole.length - 1] !== 10 ? 1 : 0);
        if (r.value.length !== expected)
          throw new FuzzFailure(`${expected} lines in, ${r.value.length} answers out`);
        for (const a of r.value) JSON.parse(a);
        const oneChunk = await answers([whole]);
        if (JSON.stringify(oneChunk) !== JSON.stringify(r.value))
          throw new FuzzFailure('the answers depend on how the input was chunked');
      }),
    }),
};
