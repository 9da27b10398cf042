import fc from 'fast-check';

/*
 * Mutators shared by the fuzz targets: byte-level edits of valid encodings (CBOR, base64 text)
 * and structural edits of JSON values (field names, nesting, types), each driven by fast-check so
 * that a failing input shrinks and replays from its seed.
 */

/** Bytes that make CBOR parsers take unusual paths: major-type boundaries, long lengths, breaks. */
const INTERESTING_BYTES = [
  0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x3f, 0x40, 0x5f, 0x7f, 0x9f, 0xa0, 0xbf, 0xc0, 0xd8, 0xf4, 0xf6,
  0xf7, 0xf9, 0xfb, 0xff,
];

const byteEdit = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING_BYTES) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 40 }) }),
);

type ByteEdit = typeof byteEdit extends fc.Arbitrary<infer T> ? T : never;

function applyByteEdit(b: number[], e: ByteEdit): number[] {
  const i = b.length === 0 ? 0 : e.at % b.length;
  switch (e.op) {
    case 'set':
      b[i] = e.value;
      return b;
    case 'flip':
      if (b.length > 0) b[i] = b[i]! ^ (1 << e.value);
      return b;
    case 'insert':
      b.splice(i, 0, ...e.bytes);
      return b;
    case 'delete':
      b.splice(i, e.value);
      return b;
    case 'truncate':
      return b.slice(0, i);
    case 'repeat':
      // A slice of the input repeated: nesting and long runs of the same item.
      return [
        ...b.slice(0, i),
        ...new Array<number[]>(e.value).fill(b.slice(i, i + 3)).flat(),
        ...b.slice(i),
      ];
  }
}

/** `source` with one to five byte edits. */
export function mutatedBytes(source: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(source, fc.array(byteEdit, { minLength: 1, maxLength: 5 }))
    .map(([bytes, edits]) => new Uint8Array(edits.reduce(applyByteEdit, Array.from(bytes))));
}

/** `text` with one to five character edits (base64 and key texts). */
export function mutatedText(source: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.nat(4),
    fc.nat(),
    fc.constantFrom(...'-=+/_AZaz09 \n\u0000\u00e9TLtskey-'.split('')),
  );
  return fc.tuple(source, fc.array(edit, { minLength: 1, maxLength: 5 })).map(([text, edits]) => {
    let chars = [...text];
    for (const [op, at, ch] of edits) {
      const i = chars.length === 0 ? 0 : at % chars.length;
      if (op === 0) chars[i] = ch;
      else if (op === 1) chars.splice(i, 0, ch);
      else if (op === 2) chars.splice(i, 1);
      else if (op === 3) chars = chars.slice(0, i);
      else chars.splice(i, 0, ...chars.slice(i, i + 8));
    }
    return chars.join('');
  });
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values a hostile server might put where another type belongs. */
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53,
    -(2 ** 63),
    1e308,
    '',
    '0',
    'nodekey:',
    [],
    {},
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);

/** Another spelling Go reads as the same field: case changed, or K, S, I as Unicode look-alikes. */
function respell(name: string, how: number): string {
  switch (how % 5) {
    case 0:
      return name.toLowerCase();
    case 1:
      return name.toUpperCase();
    case 2:
      return name.replace(/k/i, '\u212a');
    case 3:
      return name.replace(/s/i, '\u017f');
    default:
      return name.replace(/i/, '\u0131').replace(/I/, '\u0130');
  }
}

const jsonEdit = fc.record({
  op: fc.nat(8),
  at: fc.nat(),
  how: fc.nat(),
  value: oddValue,
  depth: fc.integer({ min: 1, max: 64 }),
});
type JsonEdit = typeof jsonEdit extends fc.Arbitrary<infer T> ? T : never;

/** Every object and array inside `v` (v included), in document order. */
function containers(
  v: Json,
  out: (Json[] | { [key: string]: Json })[] = [],
): (Json[] | { [key: string]: Json })[] {
  if (v !== null && typeof v === 'object') {
    out.push(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) containers(child, out);
  }
  return out;
}

/** Applies one edit to a container chosen by `at`; the value is edited in place (it is a fresh copy). */
function applyJsonEdit(root: Json, e: JsonEdit, pool: readonly Json[]): Json {
  const all = containers(root);
  if (all.length === 0) return root;
  const target = all[e.at % all.length]!;
  const keys = Array.isArray(target) ? target.map((_, i) => i) : Object.keys(target);
  const set = (k: string | number, v: Json): void => {
    (target as Record<string | number, Json>)[k] = v;
  };
  const get = (k: string | number): Json => (target as Record<string | number, Json>)[k]!;
  const k = keys.length === 0 ? undefined : keys[e.how % keys.length]!;
  const borrowed = pool.length === 0 ? e.value : structuredClone(pool[e.how % pool.length]!);
  switch (e.op) {
    case 0: // a second spelling of a field, with another value, after it
      if (typeof k === 'string') set(respell(k, e.how), e.how % 2 === 0 ? e.value : borrowed);
      break;
    case 1: // the field renamed
      if (typeof k === 'string') {
        const v = get(k);
        delete (target as Record<string, Json>)[k];
        set(respell(k, e.how), v);
      }
      break;
    case 2: // the field removed
      if (k !== undefined) {
        if (Array.isArray(target)) target.splice(k as number, 1);
        else delete target[k];
      }
      break;
    case 3: // the wrong type
      if (k !== undefined) set(k, e.value);
      break;
    case 4: // a value from elsewhere (another peer's key or signature, a whole peer)
      if (k !== undefined) set(k, borrowed);
      else if (Array.isArray(target)) target.push(borrowed);
      break;
    case 5: // wrapped in arrays and objects, `depth` deep
      if (k !== undefined) {
        let v = get(k);
        for (let d = 0; d < e.depth; d++) v = d % 2 === 0 ? [v] : { v };
        set(k, v);
      }
      break;
    case 6: // an element duplicated (duplicate IDs, repeated patches)
      if (Array.isArray(target) && k !== undefined) target.push(structuredClone(get(k)));
      break;
    case 7: // a new field
      if (!Array.isArray(target))
        set(respell(`Unsigned${e.how % 3 === 0 ? 'PeerAPIOnly' : 'X'}`, e.how), e.value);
      break;
    default: // a field's value replaced by a number or text form of itself
      if (k !== undefined) {
        const v = get(k);
        set(k, typeof v === 'number' ? String(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
      }
  }
  return root;
}

/** `source` (JSON) with up to `max` structural edits; `pool` lends values to move between places. */
export function mutatedJson(source: fc.Arbitrary<Json>, pool: readonly Json[], max = 4): fc.Arbitrary<Json> {
  return fc
    .tuple(source, fc.array(jsonEdit, { minLength: 0, maxLength: max }))
    .map(([value, edits]) => edits.reduce((v, e) => applyJsonEdit(v, e, pool), structuredClone(value)));
}
