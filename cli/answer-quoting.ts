import { memberTexts, wasReadFromBytes } from '../src/netmap/map-response-bytes.js';
import { JsonText } from '../src/wire/json-text.js';
import { AnswerQuotingInput, type InputLine } from './line-protocol.js';

/*
 * When the hook may answer with the map response's own bytes instead of JSON.stringify of what
 * JSON.parse made of them. The verifier judged the parsed value; the daemon reads the text. The two
 * agree when nothing of the text was lost in parsing:
 *
 * - No key appears twice in one object. JSON.parse keeps the last value; Go's decoder merges a
 *   repeated object or list into the first one's values and leaves a field unchanged by a later
 *   null, so `"ID":5,"ID":null` is node 0 to the verifier and node 5 to the daemon. JSON.parse makes
 *   one property per distinct key, so the text has no repeated key exactly when it has as many
 *   members (a colon outside strings each) as the parsed value has properties.
 * - No byte sequence was invalid UTF-8 (decoding turned it into U+FFFD, which Go may count
 *   differently).
 *
 * - It nests at most MAX_QUOTED_DEPTH levels.
 *
 * Numbers need no rule: every field the verifier judges is read only when it is an exact safe
 * integer, which Go reads the same way or refuses along with the whole response (`1e2`, `5.0` for
 * an ID); numbers nobody judges reach the daemon as the server wrote them, not as a double.
 */

const COLON = 0x3a;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
/**
 * Deeper texts are not quoted: they take the JSON.stringify path, which answers an error line for
 * the ones too deep to write (Go refuses more than 10 000 levels; map responses nest a few).
 */
const MAX_QUOTED_DEPTH = 1000;

/**
 * The hook's answer carrying `netmap`, the verifier's answer to `resp` (JSON.parse of `line`, or
 * what src/netmap/map-response-bytes.ts read from its bytes, which only reads lines that lose
 * nothing): the line itself when `netmap` is `resp` passed on whole and nothing of the line was
 * lost (the daemon then reads the server's own bytes); for a response read from its bytes, `netmap`
 * spliced from the line's bytes (`splicedNetmap`); else `netmap` as JSON.stringify writes it.
 */
export function answerCarrying(
  netmap: Readonly<Record<string, unknown>>,
  resp: Readonly<Record<string, unknown>>,
  line: InputLine,
  rest: Record<string, unknown>,
): unknown {
  const readFromBytes = wasReadFromBytes(resp);
  if (passedOnWhole(resp, netmap) && (readFromBytes || parsedFaithfully(line.text, resp))) {
    return new AnswerQuotingInput('netmap', rest);
  }
  // Spliced when written, while the line's bytes are still its own.
  if (readFromBytes) return new AnswerQuotingInput('netmap', rest, () => splicedNetmap(netmap, resp)!);
  return { netmap, ...rest };
}

/**
 * `netmap`, the verifier's answer to `resp`, as pieces of JSON text that JSON.parse reads as it
 * reads JSON.stringify(netmap), most of them the bytes `resp` was read from: a member the verifier
 * left as it was is its value's bytes; in a list, an entry read from the bytes is its bytes, and
 * entries that were neighbours in the line go as one piece; anything else is written by
 * JSON.stringify, members in the order JSON.stringify writes them. A peer dropped from a 10 000-peer
 * response so costs a few copies, not the whole response parsed and written again. Those bytes
 * lose nothing in parsing (`readMapResponseBytes` reads only such lines), which is why they may be
 * quoted. Undefined when `resp` was not read from bytes.
 */
export function splicedNetmap(
  netmap: Readonly<Record<string, unknown>>,
  resp: Readonly<Record<string, unknown>>,
): (string | Buffer)[] | undefined {
  const texts = memberTexts(resp);
  if (texts === undefined) return undefined;
  const parts: (string | Buffer)[] = [];
  let separator = '{';
  for (const key of Object.keys(netmap)) {
    const value = netmap[key];
    const same = value === resp[key] ? texts.get(key)?.span : undefined;
    let text: string | undefined;
    if (same === undefined && !Array.isArray(value)) {
      text = JSON.stringify(value);
      if (text === undefined) continue; // JSON.stringify leaves the member out
    }
    parts.push(`${separator}${JSON.stringify(key)}:`);
    separator = ',';
    if (same !== undefined) parts.push(same.bytes.subarray(same.start, same.end));
    else if (text !== undefined) parts.push(text);
    else listParts(value as readonly unknown[], parts);
  }
  parts.push(separator === '{' ? '{}' : '}');
  return parts;
}

/** Appends a list to `parts`: runs of entries that were neighbours in the same bytes as one piece. */
function listParts(list: readonly unknown[], parts: (string | Buffer)[]): void {
  let run: { bytes: Buffer; start: number; end: number } | undefined;
  const endRun = (): void => {
    if (run !== undefined) parts.push(run.bytes.subarray(run.start, run.end));
    run = undefined;
  };
  parts.push('[');
  list.forEach((item, i) => {
    const span = item instanceof JsonText ? item.span : undefined;
    if (
      span !== undefined &&
      run !== undefined &&
      span.bytes === run.bytes &&
      neighbours(span.bytes, run.end, span.start)
    ) {
      run.end = span.end;
      return;
    }
    endRun();
    if (i > 0) parts.push(',');
    if (span !== undefined) run = { ...span };
    else parts.push(item instanceof JsonText ? item.text : (JSON.stringify(item) ?? 'null'));
  });
  endRun();
  parts.push(']');
}

/** Whether bytes [from, to) are what separates two neighbouring list entries: one comma, and JSON whitespace. */
function neighbours(bytes: Buffer, from: number, to: number): boolean {
  let commas = 0;
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    if (c === COMMA) commas++;
    else if (c !== SPACE && c !== TAB && c !== LF && c !== CR) return false;
  }
  return commas === 1;
}

/** Whether `value` (JSON.parse of `text`) keeps everything Go will read from `text`. */
export function parsedFaithfully(text: string, value: unknown): boolean {
  if (text.includes('\uFFFD')) return false;
  const members = membersOf(text);
  return members !== undefined && members === propertiesOf(value);
}

/**
 * Whether `out` (the verifier's answer) is `resp` passed on whole: the same members with the same
 * values. The verifier copies a response shallowly and replaces only what it changes.
 */
export function passedOnWhole(
  resp: Readonly<Record<string, unknown>>,
  out: Readonly<Record<string, unknown>>,
): boolean {
  const keys = Object.keys(resp);
  if (Object.keys(out).length !== keys.length) return false;
  return keys.every((k) => Object.hasOwn(out, k) && out[k] === resp[k]);
}

/**
 * The members of every object in a JSON text (its colons outside strings); undefined when it nests
 * deeper than MAX_QUOTED_DEPTH or a string never ends.
 */
function membersOf(text: string): number | undefined {
  let members = 0;
  let depth = 0;
  let i = 0;
  for (;;) {
    const quote = text.indexOf('"', i);
    const gapEnd = quote === -1 ? text.length : quote;
    for (let j = i; j < gapEnd; j++) {
      const c = text.charCodeAt(j);
      if (c === COLON) members++;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > MAX_QUOTED_DEPTH) return undefined;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    }
    if (quote === -1) return members;
    const end = stringEnd(text, quote);
    if (end === undefined) return undefined;
    i = end;
  }
}

/** The index after the closing quote of the string opening at `open`. */
function stringEnd(text: string, open: number): number | undefined {
  let from = open + 1;
  for (;;) {
    const close = text.indexOf('"', from);
    if (close === -1) return undefined;
    let b = close - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((close - 1 - b) % 2 === 0) return close + 1; // an even run of backslashes escapes nothing
    from = close + 1;
  }
}

/** The properties of every object in a parsed JSON value (without recursion: it may nest deeply). */
function propertiesOf(value: unknown): number {
  let n = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      n++;
      const item = record[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return n;
}
