/**
 * A JSON value kept as its text until something needs the value: most of a map response's peers
 * are passed on whole (their bytes quoted) and never looked at, so the hook does not build them.
 * The text is read from the response's bytes, in place, until `detach` copies it out: whoever
 * keeps a JsonText past the life of those bytes detaches it first. JSON.stringify writes the value
 * (through `toJSON`); `jsonValue` gives it.
 */
export class JsonText {
  #bytes: Buffer | undefined;
  #start: number;
  #end: number;
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

  /**
   * Detaches many texts at once, into one copy of the bytes they read from (the span they cover,
   * for each memory they read from) instead of a string each: for a list of 10 000 peers, one
   * copy of its 7.5 MB rather than 10 000 strings on the heap (which cost the garbage collector
   * ~100 ms per list here). The copy lives while any of them does.
   */
  static detachAll(values: readonly unknown[]): void {
    const spans = new Map<Buffer, { from: number; to: number }>();
    for (const v of values) {
      if (!(v instanceof JsonText) || v.#bytes === undefined) continue;
      const span = spans.get(v.#bytes);
      if (span === undefined) spans.set(v.#bytes, { from: v.#start, to: v.#end });
      else {
        span.from = Math.min(span.from, v.#start);
        span.to = Math.max(span.to, v.#end);
      }
    }
    const copies = new Map<Buffer, { copy: Buffer; from: number }>();
    for (const [bytes, { from, to }] of spans) {
      const copy = Buffer.allocUnsafeSlow(to - from);
      bytes.copy(copy, 0, from, to);
      copies.set(bytes, { copy, from });
    }
    for (const v of values) {
      if (!(v instanceof JsonText) || v.#bytes === undefined) continue;
      const { copy, from } = copies.get(v.#bytes)!;
      v.#bytes = copy;
      v.#start -= from;
      v.#end -= from;
    }
  }

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** The value itself: parsed when it is a JsonText. */
export function jsonValue(value: unknown): unknown {
  return value instanceof JsonText ? value.toJSON() : value;
}
