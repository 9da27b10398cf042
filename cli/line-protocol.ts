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
 * An answer one of whose members is the input line itself, byte for byte, or pieces of JSON text
 * cut mostly from the line's bytes (`value`, called when the answer is written, while the line's
 * memory is still its own), written in front of the other members: `{"<member>":<the line>,<rest>}`.
 * The hook answers so when it passes a map response on whole or drops a few of its peers
 * (cli/answer-quoting.ts says when that is exact), which spares serialising and encoding megabytes
 * it already holds.
 */
export class AnswerQuotingInput {
  constructor(
    readonly member: string,
    readonly rest: Readonly<Record<string, unknown>>,
    readonly value?: () => readonly (string | Buffer)[],
  ) {}
}

export interface ErrorLine {
  error: { code: string; message: string };
}

export function errorLine(code: string, message: string): ErrorLine {
  return { error: { code, message } };
}

/**
 * Told of each line's bytes as they arrive, before the line is complete and parsed (the hook
 * starts checking signatures then). A skipped line's bytes stop being told once it is too long.
 */
export interface LineWatcher {
  piece(bytes: Buffer): void;
  /** The line is complete (or skipped). */
  end(): void;
}

/** A line read, or how long it got before it was skipped. */
type Line = InputLine | { skipped: number };

/**
 * Runs the protocol until the input ends or the output is closed. `handle` answers a parsed value
 * and must not throw (errors become error lines inside it). `output` must have copied what was
 * written to it once nothing is pending (`writableLength` 0), as a pipe, socket or file has: a
 * quoted line's memory is then reused for the next line.
 */
export async function runLineProtocol(
  input: Readable,
  output: Writable,
  handle: (value: unknown, line: InputLine) => Promise<unknown>,
  opts: {
    maxLineBytes?: number;
    /** Called when an answer cannot be written (an error line goes out instead). */
    unwritable?: () => void;
    watcher?: LineWatcher;
    /**
     * Reads a line's value straight from its bytes when it can (undefined when it cannot: then
     * the line is decoded and given to JSON.parse). Must give what JSON.parse would, or nothing.
     */
    readBytes?: (bytes: Buffer) => unknown;
    /** Whether something still reads from memory a line was read into (then it is not reused). */
    inUse?: (memory: ArrayBufferLike) => boolean;
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
  const memory = new LineMemory(() => output.writableLength === 0, opts.inUse ?? (() => false));
  for await (const line of boundedLines(input, maxLineBytes, memory, opts.watcher)) {
    const answer = await answerFor(line, handle, maxLineBytes, opts.readBytes);
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
  const value = answer.value?.() ?? line.bytes;
  return [`{${JSON.stringify(answer.member)}:`, ...value, rest === '{}' ? '}\n' : `,${rest.slice(1)}\n`];
}

async function answerFor(
  line: Line,
  handle: (value: unknown, line: InputLine) => Promise<unknown>,
  maxLineBytes: number,
  readBytes: ((bytes: Buffer) => unknown) | undefined,
): Promise<unknown> {
  if ('skipped' in line) {
    return errorLine(
      'LIMIT',
      `the line is longer than ${maxLineBytes} bytes (--max-line-bytes); it was skipped to its end`,
    );
  }
  let read: unknown;
  try {
    read = readBytes?.(line.bytes[0]!);
  } catch {
    read = undefined; // the text path below is the reference: it decides
  }
  if (read !== undefined) return handle(read, line);
  if (line.text.trim() === '') return errorLine('DECODE', 'an empty line: expected one JSON map response');
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (e) {
    return errorLine('DECODE', `the line is not JSON: ${(e as Error).message}`);
  }
  return handle(value, line);
}

/**
 * The error line for an answer that cannot be written: nested thousands of levels deep, or too
 * large (V8's RangeErrors), else a bug in writing it.
 */
function unwritableLine(e: unknown): string {
  const why = e instanceof Error ? e.message : String(e);
  const line =
    e instanceof RangeError
      ? errorLine(
          'LIMIT',
          `the answer cannot be written (${why}): the map response nests too deeply or is too large for JSON; nothing of it was applied`,
        )
      : errorLine('INTERNAL', `the answer could not be written (${why}); nothing of it was applied`);
  return JSON.stringify(line) + '\n';
}

/**
 * Lines of `input` (LF or CRLF), never longer than `max` bytes: a longer one is read to its end
 * without being kept, and reported by its length. The last line needs no newline.
 */
async function* boundedLines(
  input: Readable,
  max: number,
  memory: LineMemory,
  watcher?: LineWatcher,
): AsyncGenerator<Line> {
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
        memory.discard();
      }
      if (!skipping && end > start) {
        const piece = buf.subarray(start, end);
        memory.append(piece);
        watcher?.piece(piece);
      }
      if (newline === -1) break;
      watcher?.end();
      yield skipping ? { skipped: size } : inputLine(memory.take());
      size = 0;
      skipping = false;
      start = newline + 1;
    }
  }
  if (size > 0) watcher?.end();
  if (skipping) yield { skipped: size };
  else if (size > 0) yield inputLine(memory.take());
}

function inputLine(bytes: Buffer): InputLine {
  return new ReadLine(bytes.at(-1) === 13 ? bytes.subarray(0, bytes.length - 1) : bytes); // the CR of a CRLF
}

/** A line whose text is decoded only when asked for (a line read from its bytes never is). */
class ReadLine implements InputLine {
  readonly bytes: readonly Buffer[];
  #text: string | undefined;
  constructor(bytes: Buffer) {
    this.bytes = [bytes];
  }
  get text(): string {
    return (this.#text ??= this.bytes[0]!.toString('utf8'));
  }
}

/** Lines up to this size are read into memory kept from line to line. */
const KEPT_LINE_BYTES = 32 * 1024 * 1024;
/**
 * How many line memories are kept. The hook's verifier keeps reading the last full list of peers
 * from the line it came in (and the one before, until the next line is filtered: it may yet be
 * restored), so a stream of full lists goes round three memories.
 */
const KEPT_LINE_MEMORIES = 3;

/**
 * Where a line's pieces are copied as they arrive, in memory reused from line to line. Memory
 * fresh from the system costs far more than the copy into it (measured here: ~40 ms for 7.5 MB,
 * against under 1 ms into memory already used), and so does keeping each piece the stream hands
 * over until the line ends (the allocator then hands that memory back, and takes it anew, every
 * line). A line longer than the kept memory (the first one, say) keeps its pieces and is joined
 * once at its end into memory an eighth larger than it, which is kept from then on: growing a
 * buffer by doubling would take about twice the line in fresh memory. A kept memory is reused only when
 * nothing written from earlier lines is still queued (an answer may quote its line's own bytes)
 * and `inUse` says nobody still reads from it.
 */
class LineMemory {
  readonly #kept: Buffer[] = [];
  /** The kept memory while the line fits in it. */
  #line: Buffer | undefined;
  /** Pieces past what `#line` holds (then the line is joined at its end). */
  #rest: Buffer[] = [];
  #size = 0;
  constructor(
    readonly free: () => boolean,
    readonly inUse: (memory: ArrayBufferLike) => boolean,
  ) {}

  append(piece: Buffer): void {
    if (this.#size === 0 && this.free()) this.#line = this.#kept.find((m) => !this.inUse(m.buffer));
    const end = this.#size + piece.length;
    if (this.#rest.length === 0 && this.#line !== undefined && end <= this.#line.length) {
      piece.copy(this.#line, this.#size);
    } else {
      this.#rest.push(piece);
    }
    this.#size = end;
  }

  /** The line's bytes. */
  take(): Buffer {
    let bytes: Buffer;
    if (this.#rest.length === 0 && this.#line !== undefined) {
      bytes = this.#line.subarray(0, this.#size);
    } else {
      // An eighth more than this line: the next lines of a session are about as long, a little
      // longer as often as not, and each must fit to reuse it.
      const memory = Buffer.allocUnsafeSlow(this.#size + (this.#size >> 3));
      bytes = memory.subarray(0, this.#size);
      let at = this.#size;
      for (const piece of this.#rest) at -= piece.length;
      if (at > 0) this.#line!.copy(bytes, 0, 0, at); // what the kept memory holds, then the pieces
      for (const piece of this.#rest) at += piece.copy(bytes, at);
      this.#keep(memory);
    }
    this.discard();
    return bytes;
  }

  /** Keeps new memory, in place of a smaller kept one nobody reads from when enough are kept. */
  #keep(memory: Buffer): void {
    if (memory.length > KEPT_LINE_BYTES) return;
    if (this.#kept.length < KEPT_LINE_MEMORIES) {
      this.#kept.push(memory);
      return;
    }
    let smallest: number | undefined;
    this.#kept.forEach((m, i) => {
      if (
        m.length < memory.length &&
        !this.inUse(m.buffer) &&
        (smallest === undefined || m.length < this.#kept[smallest]!.length)
      )
        smallest = i;
    });
    if (smallest !== undefined) this.#kept[smallest] = memory;
  }

  /** Forgets the line read so far (it is being skipped). */
  discard(): void {
    this.#line = undefined;
    this.#rest = [];
    this.#size = 0;
  }
}
