import { MAX_NETMAP_PEERS } from '../limits.js';
import { JsonText } from '../wire/json-text.js';
import { RecordedList, scanPlainJson } from '../wire/plain-json.js';
import type { ScannedTexts } from './claim-scanner.js';
import { GoFieldReader, type KeyLayout, goFold } from './go-field-names.js';
import { NODE_FIELDS, newColumns, readNodeFields, readNonObject } from './map-response.js';
import { PeerColumns, listsReadFromBytes } from './peer-columns.js';
import type { Netmap } from './types.js';

/*
 * A map response read from its bytes, for the hook: the value JSON.parse would give, except that
 * each entry of `Peers` and `PeersChanged` is a `JsonText` (its own text, parsed only if something
 * needs it), and those lists are read into columns here, from the bytes, by the same rules as
 * `MapResponseReader` (map-response.ts#readNodeFields), which then takes them as read. Only plain
 * JSON is read (wire/plain-json.ts says what that is); for anything else the answer is undefined
 * and the caller parses the text as before. Either way the verifier judges the same values.
 */

type NodeField = (typeof NODE_FIELDS)[number];

/** The top-level keys (as Go folds them) whose lists hold Nodes. */
const NODE_LISTS: ReadonlySet<string> = new Set(['PEERS', 'PEERSCHANGED']);

/** The lists the scanner fills, kept from response to response (they grow to the largest list). */
const recordedLists: RecordedList[] = [];

/**
 * Responses read here (their text had no repeated key and decoded without loss: answer-quoting),
 * with the text of each top-level member's value.
 */
const readFromBytes = new WeakMap<object, ReadonlyMap<string, JsonText>>();

/** Whether `resp` was read by `readMapResponseBytes` (then nothing of its text was lost). */
export function wasReadFromBytes(resp: object): boolean {
  return readFromBytes.has(resp);
}

/**
 * The text of each top-level member's value of a response read by `readMapResponseBytes`, in the
 * bytes it was read from: for answering while they are still the line's (not after a later line
 * may have reused that memory).
 */
export function memberTexts(resp: object): ReadonlyMap<string, JsonText> | undefined {
  return readFromBytes.get(resp);
}

/**
 * Reads a map response from its bytes when they are plain JSON with an object on top; else
 * undefined. `scanned`: texts a scan of the same bytes cut already (NetmapVerifier.prefetch), taken
 * where they are the same bytes.
 */
export function readMapResponseBytes(bytes: Uint8Array, scanned?: ScannedTexts): Netmap | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (start: number, end: number): string => buf.toString('utf8', start, end);
  let used = 0;
  const scan = scanPlainJson(bytes, (start, end) => {
    if (!NODE_LISTS.has(goFold(text(start, end)) ?? '')) return undefined;
    const list = (recordedLists[used] ??= new RecordedList());
    used++;
    list.reset();
    return list;
  });
  if (scan === undefined) return undefined;
  const known = scanned === undefined ? undefined : new KnownTexts(buf, scanned);
  const resp: Netmap = {};
  const texts = new Map<string, JsonText>();
  for (let m = 0; m < scan.members.length; m++) {
    const { keyStart, keyEnd, valueStart, valueEnd } = scan.members[m]!;
    const key = text(keyStart, keyEnd);
    if (key === '__proto__') return undefined; // an assignment would not make it a property
    texts.set(key, new JsonText(buf, valueStart, valueEnd));
    const list = scan.lists.get(m);
    if (list === undefined) resp[key] = JSON.parse(text(valueStart, valueEnd));
    else if (list.length > MAX_NETMAP_PEERS)
      return undefined; // refused by the reader, as text
    else resp[key] = new NodeListReader(buf, known).read(list);
  }
  readFromBytes.set(resp, texts);
  return resp;
}

/** The key order last seen in a list's entries, and where each Node field is in it. */
interface Template {
  readonly keys: Buffer;
  readonly lengths: readonly number[];
  readonly layout: KeyLayout<NodeField>;
  /** Node field → the index of its member, or -1. */
  readonly member: Readonly<Record<NodeField, number>>;
}

const nodeFields = new GoFieldReader(NODE_FIELDS);

/** Reads one list of Nodes; its entries' texts stay in the bytes (JsonText). */
class NodeListReader {
  readonly #buf: Buffer;
  readonly #known: KnownTexts | undefined;
  #template: Template | undefined;

  constructor(buf: Buffer, known: KnownTexts | undefined) {
    this.#buf = buf;
    this.#known = known;
  }

  /** The list's entries as `JsonText`s, its columns registered for `MapResponseReader`. */
  read(list: RecordedList): JsonText[] {
    const buf = this.#buf;
    const n = list.length;
    const nodes = new Array<JsonText>(n);
    const columns = newColumns(n);
    const { elements, memberFrom, members } = list;
    for (let i = 0; i < n; i++) {
      const start = elements[2 * i]!;
      const end = elements[2 * i + 1]!;
      nodes[i] = new JsonText(buf, start, end);
      if (buf[start] !== 0x7b) {
        readNonObject(columns, i);
        continue;
      }
      const from = memberFrom[i]!;
      const t = this.#templateFor(members, from, memberFrom[i + 1]!);
      const value = (field: NodeField): unknown => {
        const at = t.member[field];
        return at === -1 ? undefined : this.#value(members, from + at);
      };
      readNodeFields(
        columns,
        i,
        t.layout.problem,
        value('ID'),
        value('Name'),
        value('UnsignedPeerAPIOnly'),
        value('Key'),
        value('KeySignature'),
      );
    }
    const peerColumns = new PeerColumns({ nodes, ...columns }, buf.buffer);
    listsReadFromBytes.set(nodes, peerColumns);
    return nodes;
  }

  /** The value of member m, as JSON.parse gives it. */
  #value(members: Int32Array, m: number): unknown {
    const start = members[5 * m + 2]!;
    const end = members[5 * m + 3]!;
    // A string without escapes is its bytes (valid UTF-8, no control characters).
    if (members[5 * m + 4] === 1) {
      return this.#known?.take(start + 1, end - 1) ?? this.#buf.toString('utf8', start + 1, end - 1);
    }
    return JSON.parse(this.#buf.toString('utf8', start, end));
  }

  /** The template for an entry with members [from, to): the last one when its keys are the same. */
  #templateFor(members: Int32Array, from: number, to: number): Template {
    const buf = this.#buf;
    const known = this.#template;
    if (known !== undefined && known.lengths.length === to - from) {
      let same = true;
      let at = 0;
      for (let m = from; m < to && same; m++) {
        const start = members[5 * m]!;
        const length = members[5 * m + 1]! - start;
        if (length !== known.lengths[m - from]) same = false;
        for (let j = 0; j < length && same; j++) same = buf[start + j] === known.keys[at + j];
        at += length;
      }
      if (same) return known;
    }
    const keys: string[] = [];
    const lengths: number[] = [];
    const spans: Buffer[] = [];
    for (let m = from; m < to; m++) {
      const span = buf.subarray(members[5 * m], members[5 * m + 1]);
      keys.push(span.toString('utf8'));
      lengths.push(span.length);
      spans.push(span);
    }
    const layout = nodeFields.layoutOfKeys(keys);
    const member = {} as Record<NodeField, number>;
    for (const field of NODE_FIELDS) {
      const key = layout.at[field];
      member[field] = key === undefined ? -1 : keys.indexOf(key);
    }
    // Copied: the bytes may be reused once the response is read.
    const template = { keys: Buffer.concat(spans), lengths, layout, member };
    this.#template = template;
    return template;
  }
}

/** Texts cut by an earlier scan of the same bytes, taken in order of where they start. */
class KnownTexts {
  #next = 0;
  constructor(
    readonly buf: Buffer,
    readonly scanned: ScannedTexts,
  ) {}

  /** The text of bytes [start, end), if the scan cut exactly those bytes and they are ASCII (latin1 = UTF-8). */
  take(start: number, end: number): string | undefined {
    const { starts, texts } = this.scanned;
    let i = this.#next;
    while (i < starts.length && starts[i]! < start) i++;
    this.#next = i;
    if (i === starts.length || starts[i] !== start) return undefined;
    const text = texts[i]!;
    if (text.length !== end - start) return undefined;
    const buf = this.buf;
    for (let k = 0; k < text.length; k++) {
      const c = buf[start + k]!;
      if (c >= 0x80 || c !== text.charCodeAt(k)) return undefined;
    }
    return text;
  }
}
