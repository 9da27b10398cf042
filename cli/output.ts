import { jsonText } from './json-document.js';

/** Where a command writes: stdout for its answer, stderr for everything else. */
export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * A command's output. With `--json` stdout gets exactly one JSON document (two-space indent, a
 * newline) and nothing else, and stderr gets no progress lines; without it, text. Colour only
 * when stdout is a terminal and NO_COLOR is unset or empty (no-color.org).
 */
export class Output {
  readonly json: boolean;
  readonly color: boolean;
  readonly #streams: OutputStreams;
  #documentWritten = false;

  constructor(json: boolean, streams: OutputStreams) {
    this.json = json;
    this.#streams = streams;
    const noColor = streams.env['NO_COLOR'];
    this.color = streams.stdout.isTTY === true && (noColor === undefined || noColor === '');
  }

  /** Lines of text on stdout (text mode only: with --json, stdout is the document alone). */
  text(...lines: string[]): void {
    if (this.json) throw new Error('Output.text called in --json mode');
    for (const line of lines) this.#streams.stdout.write(line + '\n');
  }

  /** The one JSON document of a --json run. */
  document(value: unknown): void {
    if (!this.json) throw new Error('Output.document called without --json');
    if (this.#documentWritten) throw new Error('Output.document called twice');
    this.#documentWritten = true;
    this.#streams.stdout.write(jsonText(value) + '\n');
  }

  /** A progress line for a slow step, on stderr; never with --json. */
  progress(message: string): void {
    if (!this.json) this.#streams.stderr.write(message + '\n');
  }

  /** A warning on stderr, in both modes (a --json document carries its warnings itself too). */
  warn(message: string): void {
    this.#streams.stderr.write(`warning: ${message}\n`);
  }

  /** Text for people that goes with, but is not, the answer (lists before a prompt, hints): stderr. */
  note(...lines: string[]): void {
    for (const line of lines) this.#streams.stderr.write(line + '\n');
  }

  yellow(text: string): string {
    return this.color ? `\x1b[33m${text}\x1b[39m` : text;
  }

  bold(text: string): string {
    return this.color ? `\x1b[1m${text}\x1b[22m` : text;
  }
}
