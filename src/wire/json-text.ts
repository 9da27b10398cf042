/**
 * A JSON value kept as its text until something needs the value: most of a map response's peers
 * are passed on whole (their bytes quoted) and never looked at, so the hook does not build them.
 * The text is read from the response's bytes, in place, until `detach` copies it out: whoever
 * keeps a JsonText past the life of those bytes detaches it first. JSON.stringify writes the value
 * (through `toJSON`); `jsonValue` gives it.
 */
export class JsonText {
  #bytes: Buffer | undefined;
  readonly #start: number;
  readonly #end: number;
  #text: string | undefined;

  /** The UTF-8 text in bytes [start, end) of `bytes`, which must not change until `detach`. */
  constructor(bytes: Buffer, start: number, end: number) {
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
  }

  get text(): string {
    return this.#text ?? this.#bytes!.toString('utf8', this.#start, this.#end);
  }

  /** Where its text is while it reads from the bytes (not after `detach`). */
  get span(): { readonly bytes: Buffer; readonly start: number; readonly end: number } | undefined {
    const bytes = this.#bytes;
    return bytes === undefined ? undefined : { bytes, start: this.#start, end: this.#end };
  }

  /** Copies the text out of the bytes, which may then change. */
  detach(): void {
    if (this.#text !== undefined) return;
    this.#text = this.text;
    this.#bytes = undefined;
  }

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** The value itself: parsed when it is a JsonText. */
export function jsonValue(value: unknown): unknown {
  return value instanceof JsonText ? value.toJSON() : value;
}
