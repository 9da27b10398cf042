import { isUtf8 } from 'node:buffer';

/*
 * JSON read straight from its UTF-8 bytes, for the hook's map responses: a 10 000-peer line is
 * 7.5 MB, and decoding it into one string and parsing it into a tree of a few hundred thousand
 * objects cost the hook more than a third of its time (docs/PERFORMANCE.md, "Round five").
 *
 * Only "plain" JSON is read here; anything else is left to JSON.parse, so this reader never has to
 * agree with it on a hard case, only to recognise the easy ones exactly. Plain means:
 * - valid UTF-8 with no U+FFFD (the text path cannot tell that one from a decoding error);
 * - valid JSON by RFC 8259's grammar (which JSON.parse implements), top value an object, nesting
 *   at most PLAIN_MAX_DEPTH levels;
 * - no object key holds a backslash, and no object has one key twice (byte for byte).
 * Accepting only what JSON.parse accepts is the one rule that matters: `scanPlainJson` returns
 * undefined for everything else, including valid JSON it chose not to read.
 *
 * What it reports: the top object's members, and, for the members whose value is an array and for
 * which `recordList` hands over a list to fill, each element's span and, for an element that is an
 * object, its members.
 */

/** Texts that nest deeper (the top object is level 1) are not plain: map responses nest a few levels. */
export const PLAIN_MAX_DEPTH = 64;
/** Objects with more keys, or keys longer than this, check for a repeated key with a set rather than pairwise. */
const PAIRWISE_KEYS = 24;
const PAIRWISE_KEY_BYTES = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Bytes that may follow a backslash in a JSON string (besides `u`). */
const SIMPLE_ESCAPE = new Uint8Array(128);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const REPLACEMENT_CHARACTER = Buffer.from('\uFFFD', 'utf8');

/** A member of an object: its key's bytes (between the quotes) and its value's. */
export interface MemberSpans {
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** An array the caller asked for: its elements, and the members of each element that is an object. */
export class RecordedList {
  /** Element i spans [elements[2i], elements[2i+1]). */
  elements: Int32Array = new Int32Array(64);
  length = 0;
  /** Element i's members are members [memberFrom[i], memberFrom[i+1]) (empty unless an object). */
  memberFrom: Int32Array = new Int32Array(33);
  /**
   * Member m: key [members[5m], members[5m+1]), value [members[5m+2], members[5m+3]), and
   * members[5m+4] = 1 when the value is a string without escapes (its text is its bytes).
   */
  members: Int32Array = new Int32Array(5 * 256);
  memberCount = 0;

  /** Empties the list for another array (its memory is kept: lists are reused from line to line). */
  reset(): void {
    this.length = 0;
    this.memberCount = 0;
    this.memberFrom[0] = 0;
  }

  addElement(start: number, end: number, membersFrom: number): void {
    if (2 * this.length + 2 > this.elements.length) this.elements = grow(this.elements);
    if (this.length + 2 > this.memberFrom.length) this.memberFrom = grow(this.memberFrom);
    this.elements[2 * this.length] = start;
    this.elements[2 * this.length + 1] = end;
    this.memberFrom[this.length] = membersFrom;
    this.length++;
    this.memberFrom[this.length] = this.memberCount;
  }

  addMember(
    keyStart: number,
    keyEnd: number,
    valueStart: number,
    valueEnd: number,
    plainString: boolean,
  ): void {
    const at = 5 * this.memberCount;
    if (at + 5 > this.members.length) this.members = grow(this.members);
    const m = this.members;
    m[at] = keyStart;
    m[at + 1] = keyEnd;
    m[at + 2] = valueStart;
    m[at + 3] = valueEnd;
    m[at + 4] = plainString ? 1 : 0;
    this.memberCount++;
  }
}

/**
 * A fourfold larger copy: the first large response grows these from nothing, and each copy lands in
 * memory fresh from the system; the untouched tail of a larger array costs nothing until used.
 */
function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 4);
  b.set(a);
  return b;
}

export interface PlainJsonScan {
  /** The top object's members, in order. */
  readonly members: readonly MemberSpans[];
  /** Top member index → its recorded array (the list `recordList` handed over). */
  readonly lists: ReadonlyMap<number, RecordedList>;
}

/** Not plain, or not JSON: either way, this reader does not answer. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

/**
 * Reads `bytes` if they are plain JSON (see above) with an object on top; undefined otherwise.
 * `recordList(keyStart, keyEnd)` is asked, for each top-level member whose value is an array,
 * for an empty list to record it in (undefined: not recorded).
 */
export function scanPlainJson(
  bytes: Uint8Array,
  recordList: (keyStart: number, keyEnd: number) => RecordedList | undefined,
): PlainJsonScan | undefined {
  if (!isUtf8(bytes)) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.indexOf(REPLACEMENT_CHARACTER) !== -1) return undefined;
  try {
    return new Scanner(bytes, recordList).top();
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}

class Scanner {
  readonly #b: Uint8Array;
  readonly #n: number;
  readonly #recordList: (keyStart: number, keyEnd: number) => RecordedList | undefined;
  /** Set by `#string`: whether the string just read held a backslash. */
  #escaped = false;
  /** Key spans of the objects being read, innermost last (for repeated keys). */
  #keys = new Int32Array(256);
  #keyTop = 0;
  /** The key just read by `#key`. */
  #keyStart = 0;
  #keyEnd = 0;
  /** By depth: the keys of the last object finished there (spans), and how many ints they take. */
  readonly #previous: (Int32Array | undefined)[] = [];
  readonly #previousLength: number[] = [];
  /** For an object with many keys: its keys as a set, by where its keys start in `#keys`. */
  readonly #keySets = new Map<number, Set<string>>();

  constructor(b: Uint8Array, recordList: (keyStart: number, keyEnd: number) => RecordedList | undefined) {
    this.#b = b;
    this.#n = b.length;
    this.#recordList = recordList;
  }

  top(): PlainJsonScan {
    let i = this.#space(0);
    if (this.#b[i] !== OPEN_BRACE) throw NOT_PLAIN;
    const members: MemberSpans[] = [];
    const lists = new Map<number, RecordedList>();
    const keyBase = this.#keyTop;
    i = this.#space(i + 1);
    if (this.#b[i] === CLOSE_BRACE) i++;
    else {
      for (;;) {
        const afterColon = this.#key(i);
        const keyStart = this.#keyStart;
        const keyEnd = this.#keyEnd;
        this.#remember(keyStart, keyEnd, keyBase);
        const valueStart = this.#space(afterColon);
        const list = this.#b[valueStart] === OPEN_BRACKET ? this.#recordList(keyStart, keyEnd) : undefined;
        let valueEnd: number;
        if (list !== undefined) {
          valueEnd = this.#recordedArray(valueStart, list);
          lists.set(members.length, list);
        } else valueEnd = this.#value(valueStart, 1);
        members.push({ keyStart, keyEnd, valueStart, valueEnd });
        i = this.#space(valueEnd);
        const c = this.#b[i];
        if (c === COMMA) i = this.#space(i + 1);
        else if (c === CLOSE_BRACE) {
          i++;
          break;
        } else throw NOT_PLAIN;
      }
    }
    this.#endObject(keyBase, 0);
    if (this.#space(i) !== this.#n) throw NOT_PLAIN;
    return { members, lists };
  }

  /** An array whose elements (and their members, for objects) go into `list`; returns its end. */
  #recordedArray(start: number, list: RecordedList): number {
    let i = this.#space(start + 1);
    if (this.#b[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      const from = list.memberCount;
      const end = this.#b[i] === OPEN_BRACE ? this.#object(i, 2, list) : this.#value(i, 2);
      list.addElement(i, end, from);
      i = this.#space(end);
      const c = this.#b[i];
      if (c === COMMA) i = this.#space(i + 1);
      else if (c === CLOSE_BRACKET) return i + 1;
      else throw NOT_PLAIN;
    }
  }

  /** The value starting at `i` (no space before it); returns the index after it. */
  #value(i: number, depth: number): number {
    const c = this.#b[i];
    if (c === QUOTE) return this.#string(i);
    if (c === OPEN_BRACE) return this.#object(i, depth, undefined);
    if (c === OPEN_BRACKET) return this.#array(i, depth);
    if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return this.#number(i);
    return this.#literal(i);
  }

  /** An object; its members go into `list` when given. */
  #object(start: number, depth: number, list: RecordedList | undefined): number {
    if (depth >= PLAIN_MAX_DEPTH) throw NOT_PLAIN;
    const keyBase = this.#keyTop;
    let i = this.#space(start + 1);
    if (this.#b[i] === CLOSE_BRACE) return i + 1;
    let same = true;
    for (let j = 0; ; j++) {
      const afterColon = this.#key(i);
      const keyStart = this.#keyStart;
      const keyEnd = this.#keyEnd;
      same = this.#addKey(keyBase, depth, j, same);
      const valueStart = this.#space(afterColon);
      const valueEnd = this.#value(valueStart, depth + 1);
      if (list !== undefined) {
        const plainString = this.#b[valueStart] === QUOTE && !this.#escaped;
        list.addMember(keyStart, keyEnd, valueStart, valueEnd, plainString);
      }
      i = this.#space(valueEnd);
      const c = this.#b[i];
      if (c === COMMA) i = this.#space(i + 1);
      else if (c === CLOSE_BRACE) {
        this.#endObject(keyBase, depth);
        return i + 1;
      } else throw NOT_PLAIN;
    }
  }

  #array(start: number, depth: number): number {
    if (depth >= PLAIN_MAX_DEPTH) throw NOT_PLAIN;
    let i = this.#space(start + 1);
    if (this.#b[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      i = this.#space(this.#value(i, depth + 1));
      const c = this.#b[i];
      if (c === COMMA) i = this.#space(i + 1);
      else if (c === CLOSE_BRACKET) return i + 1;
      else throw NOT_PLAIN;
    }
  }

  /**
   * The key at `i` and its colon: returns the index after the colon; the key's bytes are
   * [#keyStart, #keyEnd). Refuses a key with a backslash.
   */
  #key(i: number): number {
    if (this.#b[i] !== QUOTE) throw NOT_PLAIN;
    const end = this.#string(i);
    if (this.#escaped) throw NOT_PLAIN;
    this.#keyStart = i + 1;
    this.#keyEnd = end - 1;
    const colon = this.#space(end);
    if (this.#b[colon] !== COLON) throw NOT_PLAIN;
    return colon + 1;
  }

  /**
   * Adds key j of an object at `depth` to its keys (from `keyBase` on), refusing one the object
   * already has. `same`: whether keys 0..j-1 are those of the last object finished at this depth,
   * byte for byte; then a key equal to that object's key j cannot repeat one (that object had no
   * repeated key), and a list of objects that share their keys costs one comparison per key.
   * Returns whether keys 0..j still are those.
   */
  #addKey(keyBase: number, depth: number, j: number, same: boolean): boolean {
    const start = this.#keyStart;
    const end = this.#keyEnd;
    const previous = this.#previous[depth];
    if (same && previous !== undefined && 2 * j < this.#previousLength[depth]!) {
      const s = previous[2 * j]!;
      const length = end - start;
      if (previous[2 * j + 1]! - s === length) {
        const b = this.#b;
        let k = 0;
        while (k < length && b[s + k] === b[start + k]) k++;
        if (k === length) {
          this.#push(start, end);
          return true;
        }
      }
    }
    this.#remember(start, end, keyBase);
    return false;
  }

  /** Ends the object whose keys start at `keyBase`: they become the last ones seen at `depth`. */
  #endObject(keyBase: number, depth: number): void {
    const length = this.#keyTop - keyBase;
    let previous = this.#previous[depth];
    if (previous === undefined || previous.length < length) {
      previous = new Int32Array(Math.max(64, 2 * length));
      this.#previous[depth] = previous;
    }
    previous.set(this.#keys.subarray(keyBase, this.#keyTop));
    this.#previousLength[depth] = length;
    this.#keyTop = keyBase;
    if (this.#keySets.size > 0) this.#keySets.delete(keyBase);
  }

  #push(start: number, end: number): void {
    if (this.#keyTop + 2 > this.#keys.length) this.#keys = grow(this.#keys);
    this.#keys[this.#keyTop++] = start;
    this.#keys[this.#keyTop++] = end;
  }

  /** Adds a key to its object's keys (`keyBase` on); refuses one the object already has. */
  #remember(start: number, end: number, keyBase: number): void {
    const b = this.#b;
    const keys = this.#keys;
    const length = end - start;
    let seen = this.#keySets.get(keyBase);
    if (seen === undefined && (this.#keyTop - keyBase) >> 1 < PAIRWISE_KEYS && length <= PAIRWISE_KEY_BYTES) {
      for (let k = keyBase; k < this.#keyTop; k += 2) {
        const s = keys[k]!;
        if (keys[k + 1]! - s !== length) continue;
        let j = 0;
        while (j < length && b[s + j] === b[start + j]) j++;
        if (j === length) throw NOT_PLAIN;
      }
    } else {
      // Many keys, or long ones (neither in an honest map response): a set of them as latin1 text,
      // one character per byte, so that a hostile object costs time linear in its size. Once an
      // object has a set, every later key of it goes through the set.
      const text = (s: number, e: number): string =>
        Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
      if (seen === undefined) {
        seen = new Set();
        for (let k = keyBase; k < this.#keyTop; k += 2) seen.add(text(keys[k]!, keys[k + 1]!));
        this.#keySets.set(keyBase, seen);
      }
      const key = text(start, end);
      if (seen.has(key)) throw NOT_PLAIN;
      seen.add(key);
    }
    this.#push(start, end);
  }

  /** A string at `i`; returns the index after its closing quote, and sets `#escaped`. */
  #string(i: number): number {
    const b = this.#b;
    const n = this.#n;
    let escaped = false;
    for (let j = i + 1; j < n; j++) {
      const c = b[j]!;
      if (c === QUOTE) {
        this.#escaped = escaped;
        return j + 1;
      }
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[++j];
        if (e === 0x75) {
          // \uXXXX
          for (let k = 1; k <= 4; k++) if (HEX[b[j + k] ?? 0] !== 1) throw NOT_PLAIN;
          j += 4;
        } else if (e === undefined || SIMPLE_ESCAPE[e] !== 1) throw NOT_PLAIN;
      } else if (c < 0x20) throw NOT_PLAIN;
    }
    throw NOT_PLAIN;
  }

  /** A number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  #number(start: number): number {
    const b = this.#b;
    let i = start;
    if (b[i] === MINUS) i++;
    if (b[i] === ZERO) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else throw NOT_PLAIN;
    if (b[i] === DOT) {
      i++;
      if (!isDigit(b[i])) throw NOT_PLAIN;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === PLUS || b[i] === MINUS) i++;
      if (!isDigit(b[i])) throw NOT_PLAIN;
      while (isDigit(b[i])) i++;
    }
    return i;
  }

  #literal(i: number): number {
    for (const word of LITERALS) {
      let j = 0;
      while (j < word.length && this.#b[i + j] === word[j]) j++;
      if (j === word.length) return i + j;
    }
    throw NOT_PLAIN;
  }

  /** The index of the first byte at or after `i` that is not JSON whitespace. */
  #space(i: number): number {
    const b = this.#b;
    for (;;) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
      i++;
    }
  }
}

const LITERALS = ['true', 'false', 'null'].map((w) => Buffer.from(w, 'latin1'));

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}
