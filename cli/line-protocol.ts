import type { Readable, Writable } from 'node:stream';

/*
 * The hook's wire: one JSON value per line in, one JSON line out per line in, in order. Every line
 * gets an answer, whatever it holds (blank, too long, not JSON, nested too deep to write back), so
 * a client that blocks on reading one line per line it sent never hangs, and no input ends the
 * loop: only the end of input does, or a reader that goes away.
 */

/**
 * The longest line read by default: a map response of 100 000 peers fits several times. V8 cannot
 * hold a string much past 512 MiB; longer lines are skipped to their end and answered with an error.
 */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;
/**
 * The most `--max-line-bytes` may be: V8's longest string is 2^29 - 24 characters, and an answer
 * carries the map response plus the report of what was dropped.
 */
export const MAX_LINE_BYTES_LIMIT = 400 * 1024 * 1024;

/** A line read: its text, and its bytes (both without the newline and a final CR). */
export interface InputLine {
  readonly text: string;
  readonly bytes: readonly Buffer[];
}

/**
 * An answer one of whose members is the input line itself, byte for byte, written in front of
 * the other members: `{"<member>":<the line>,<rest>}`. The hook answers so when it passes a map
 * response on whole (cli/answer-quoting.ts says when that is exact), which spares serialising and
 * encoding megabytes it already holds.
 */
export class AnswerQuotingInput {
  constructor(
    readonly member: string,
    readonly rest: Readonly<Record<string, unknown>>,
  ) {}
}

export interface ErrorLine {
  error: { code: string; message: string };
}

export function errorLine(code: string, message: string): ErrorLine {
  return { error: { code, message } };
}

/** A line read, or how long it got before it was skipped. */
type Line = InputLine | { skipped: number };

/**
 * Runs the protocol until the input ends or the output is closed. `handle` answers a parsed value
 * and must not throw (errors become error lines inside it).
 */
export async function runLineProtocol(
  input: Readable,
  output: Writable,
  handle: (value: unknown, line: InputLine) => Promise<unknown>,
  opts: {
    maxLineBytes?: number;
    /** Called when an answer cannot be written (an error line goes out instead). */
    unwritable?: () => void;
  } = {},
): Promise<void> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let gone = false;
  const readerGone = new Promise<void>((resolve) => {
    const end = (): void => {
      gone = true;
      resolve();
    };
    output.once('close', end);
    output.once('error', end);
  });
  for await (const line of boundedLines(input, maxLineBytes)) {
    const answer = await answerFor(line, handle, maxLineBytes);
    if (gone) return;
    let parts: (string | Buffer)[];
    try {
      parts = answerParts(answer, line);
    } catch (e) {
      opts.unwritable?.();
      parts = [unwritableLine(e)];
    }
    output.cork();
    let flowing = true;
    for (const part of parts) flowing = output.write(part);
    output.uncork();
    if (!flowing) {
      await Promise.race([new Promise((resolve) => output.once('drain', resolve)), readerGone]);
    }
    if (gone) return;
  }
}

/** What to write for an answer: its JSON text, or for an answer quoting the line, the line's own bytes between the rest. */
function answerParts(answer: unknown, line: Line): (string | Buffer)[] {
  if (!(answer instanceof AnswerQuotingInput) || 'skipped' in line) return [JSON.stringify(answer) + '\n'];
  const rest = JSON.stringify(answer.rest);
  return [`{${JSON.stringify(answer.member)}:`, ...line.bytes, rest === '{}' ? '}\n' : `,${rest.slice(1)}\n`];
}

async function answerFor(
  line: Line,
  handle: (value: unknown, line: InputLine) => Promise<unknown>,
  maxLineBytes: number,
): Promise<unknown> {
  if ('skipped' in line) {
    return errorLine(
      'LIMIT',
      `the line is longer than ${maxLineBytes} bytes (--max-line-bytes); it was skipped to its end`,
    );
  }
  if (line.text.trim() === '') return errorLine('DECODE', 'an empty line: expected one JSON map response');
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (e) {
    return errorLine('DECODE', `the line is not JSON: ${(e as Error).message}`);
  }
  return handle(value, line);
}

/** The error line for an answer that cannot be written (nested thousands of levels deep, or too large). */
function unwritableLine(e: unknown): string {
  const why = e instanceof Error ? e.message : String(e);
  const message = `the answer cannot be written (${why}): the map response nests too deeply or is too large for JSON; nothing of it was applied`;
  return JSON.stringify(errorLine('LIMIT', message)) + '\n';
}

/**
 * Lines of `input` (LF or CRLF), never longer than `max` bytes: a longer one is read to its end
 * without being kept, and reported by its length. The last line needs no newline.
 */
async function* boundedLines(input: Readable, max: number): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let start = 0;
    for (;;) {
      const newline = buf.indexOf(10, start);
      const end = newline === -1 ? buf.length : newline;
      size += end - start;
      if (!skipping && size > max) {
        skipping = true;
        parts = [];
      }
      if (!skipping && end > start) parts.push(buf.subarray(start, end));
      if (newline === -1) break;
      yield skipping ? { skipped: size } : inputLine(parts);
      parts = [];
      size = 0;
      skipping = false;
      start = newline + 1;
    }
  }
  if (skipping) yield { skipped: size };
  else if (size > 0) yield inputLine(parts);
}

function inputLine(parts: Buffer[]): InputLine {
  const last = parts[parts.length - 1];
  if (last !== undefined && last[last.length - 1] === 13) {
    if (last.length === 1) parts.pop();
    else parts[parts.length - 1] = last.subarray(0, last.length - 1);
  }
  return { text: Buffer.concat(parts).toString('utf8'), bytes: parts };
}
