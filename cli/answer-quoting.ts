import { wasReadFromBytes } from '../src/netmap/map-response-bytes.js';
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
 * lost (the daemon then reads the server's own bytes), else `netmap` as JSON.stringify writes it.
 */
export function answerCarrying(
  netmap: Readonly<Record<string, unknown>>,
  resp: Readonly<Record<string, unknown>>,
  line: InputLine,
  rest: Record<string, unknown>,
): unknown {
  if (passedOnWhole(resp, netmap) && (wasReadFromBytes(resp) || parsedFaithfully(line.text, resp))) {
    return new AnswerQuotingInput('netmap', rest);
  }
  return { netmap, ...rest };
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
