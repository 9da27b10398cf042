import { Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerQuotingInput, type LineWatcher, runLineProtocol } from '../../cli/line-protocol.js';

// The hook's wire, in-process: whatever pieces the input arrives in, each line gets one answer,
// in order, and an answer that quotes its line carries that line's own bytes.

/** Runs the protocol over `pieces`, each line's answer quoting the line; returns the output lines. */
async function answersTo(
  pieces: readonly Buffer[],
  maxLineBytes: number,
  watcher?: LineWatcher,
): Promise<string[]> {
  // Like a pipe, the output copies what is written before it calls back.
  const written: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _, done) {
      written.push(Buffer.from(chunk));
      done();
    },
  });
  await runLineProtocol(
    Readable.from(pieces, { objectMode: false }),
    output,
    (value) => Promise.resolve(new AnswerQuotingInput('line', { n: typeof value })),
    { maxLineBytes, ...(watcher === undefined ? {} : { watcher }) },
  );
  return Buffer.concat(written).toString('utf8').split('\n').slice(0, -1);
}

/** `bytes` cut at `cuts`. */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  return [0, ...at].map((start, i) => bytes.subarray(start, at[i] ?? bytes.length));
}

const jsonLine = fc.oneof(
  fc.string({ maxLength: 300 }).map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  fc.array(fc.string({ maxLength: 40 }), { maxLength: 30 }).map((a) => JSON.stringify(a)),
);

describe('runLineProtocol', () => {
  it('answers every line with its own bytes, whatever pieces the input arrives in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(jsonLine, fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (lines, cuts) => {
          const text = lines.map(([l, crlf]) => l + (crlf ? '\r\n' : '\n')).join('');
          const bytes = Buffer.from(text);
          const answers = await answersTo(
            cut(
              bytes,
              cuts.map((c) => c % bytes.length),
            ),
            1 << 20,
          );
          expect(answers).toEqual(lines.map(([l]) => `{"line":${l},"n":"${typeof JSON.parse(l)}"}`));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('skips a line past the limit and reads the next one into reused memory intact', async () => {
    const long = JSON.stringify('x'.repeat(5000));
    const lines = [JSON.stringify('a'.repeat(3000)), long, JSON.stringify('b'.repeat(100)), '7'];
    const bytes = Buffer.from(lines.join('\n'));
    const answers = await answersTo(
      cut(
        bytes,
        Array.from({ length: 40 }, (_, i) => i * 333),
      ),
      4000,
    );
    expect(answers[0]).toBe(`{"line":${lines[0]},"n":"string"}`);
    expect(JSON.parse(answers[1]!)).toMatchObject({ error: { code: 'LIMIT' } });
    expect(answers.slice(2)).toEqual([`{"line":${lines[2]},"n":"string"}`, `{"line":7,"n":"number"}`]);
  });

  it('tells a watcher each line’s bytes as they arrive, then its end', async () => {
    const seen: string[] = [];
    let current = '';
    const watcher: LineWatcher = {
      piece: (b) => void (current += b.toString('latin1')),
      end: () => {
        seen.push(current);
        current = '';
      },
    };
    const bytes = Buffer.from('[1,2]\n"abc"\r\n3');
    await answersTo(cut(bytes, [2, 7, 9]), 100, watcher);
    expect(seen).toEqual(['[1,2]', '"abc"\r', '3']);
  });

  it('does not reuse the memory of a line that something still reads from (inUse), and reuses it once free', async () => {
    const lines = [JSON.stringify('a'.repeat(4000)), '"b"', '"c"', '"d"', '"e"'];
    const run = async (held: (memory: ArrayBufferLike) => boolean): Promise<Buffer> => {
      let first: Buffer | undefined;
      const output = new Writable({ write: (_c, _e, done) => done() });
      await runLineProtocol(
        Readable.from([Buffer.from(lines.join('\n'))]),
        output,
        (_value, line) => {
          first ??= line.bytes[0];
          return Promise.resolve(null);
        },
        { inUse: (memory) => held(memory) && memory === first?.buffer },
      );
      return first!;
    };
    // Held: the first line's bytes are as they came, after four more lines.
    expect((await run(() => true)).toString('utf8')).toBe(lines[0]);
    // Not held: its memory took the next lines (so the test above is not vacuous).
    expect((await run(() => false)).toString('utf8')).not.toBe(lines[0]);
  });

  it('reads a line from its bytes when it can, and from its text when that reader fails or declines', async () => {
    const lines = ['{"a":1}', '{"b":2}', '{"c":3}'];
    const output = new Writable({ write: (_c, _e, done) => done() });
    const handled: unknown[] = [];
    await runLineProtocol(
      Readable.from([Buffer.from(lines.join('\n'))]),
      output,
      (value) => {
        handled.push(value);
        return Promise.resolve(null);
      },
      {
        readBytes: (bytes) => {
          if (bytes.includes('"b"')) throw new Error('a reader bug');
          return bytes.includes('"a"') ? { fromBytes: true } : undefined;
        },
      },
    );
    expect(handled).toEqual([{ fromBytes: true }, { b: 2 }, { c: 3 }]);
  });

  it('writes an answer spliced from pieces, and an INTERNAL error line (telling `unwritable`) when splicing fails', async () => {
    const written: Buffer[] = [];
    const output = new Writable({
      write(chunk: Buffer, _, done) {
        written.push(Buffer.from(chunk));
        done();
      },
    });
    let unwritable = 0;
    await runLineProtocol(
      Readable.from([Buffer.from('{"a":[1,2,3]}\n{"b":1}\n')]),
      output,
      (value) =>
        Promise.resolve(
          new AnswerQuotingInput('netmap', { n: 1 }, () => {
            if ('b' in (value as object)) throw new Error('a splicing bug');
            return ['{"a":[', Buffer.from('1,3'), ']}'];
          }),
        ),
      { unwritable: () => void unwritable++ },
    );
    const answers = Buffer.concat(written).toString('utf8').split('\n').slice(0, -1);
    expect(answers[0]).toBe('{"netmap":{"a":[1,3]},"n":1}');
    expect(JSON.parse(answers[1]!)).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(answers[1]).toContain('a splicing bug');
    expect(unwritable).toBe(1);
  });
});
