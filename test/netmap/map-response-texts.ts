import fc from 'fast-check';

// Texts of map responses a hostile server could write, for property tests of the readers and
// writers of map-response bytes: names in any case or twice, KELVIN SIGN and LONG S, escapes,
// numbers in every form, entries that are not objects, non-ASCII keys and values, any spacing.

const NODE_KEY = 'nodekey:' + 'ab'.repeat(32);
const value = fc.constantFrom(
  '7',
  '7.0',
  '7e0',
  '-0',
  '0',
  '9007199254740993',
  '1e400',
  'null',
  'true',
  'false',
  '"7"',
  JSON.stringify(NODE_KEY),
  '"\\u006eodekey:' + 'ab'.repeat(32) + '"', // the same text, escaped
  '"AAAA"',
  '"pQEBAlgi\\/w=="',
  '"n\u00e9 \ud83d\ude00"',
  '"\\ud800"',
  '[]',
  '[1,"x",{"a":null}]',
  '{"a":{"b":[1,2]}}',
  '{}',
);
const nodeKey = fc.constantFrom(
  'ID',
  'Id',
  'id',
  'Name',
  'NAME',
  'Key',
  'key',
  'KEY',
  'KeySignature',
  'keysignature',
  'UnsignedPeerAPIOnly',
  'Endpoints',
  'Other',
  'K\u212aey', // KELVIN SIGN: some Go releases read it as "Key"
  'Ke\u017f', // LONG S
  'n\u00e9',
);
const space = fc.constantFrom('', '', '', ' ', '\t', '\r\n '.slice(0, 1), ' \t ');

const objectText = (members: fc.Arbitrary<[string, string]>, maxKeys: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.array(fc.tuple(members, space), { maxLength: maxKeys }), space)
    .map(([ms, s]) => `{${s}${ms.map(([[k, v], w]) => `${JSON.stringify(k)}${w}:${w}${v}`).join(',' + s)}}`);

const entry = fc.oneof(
  { weight: 8, arbitrary: objectText(fc.tuple(nodeKey, value), 6) },
  { weight: 1, arbitrary: value },
);
const list = fc.oneof(
  { weight: 6, arbitrary: fc.array(entry, { maxLength: 6 }).map((es) => `[${es.join(',')}]`) },
  { weight: 1, arbitrary: fc.constantFrom('null', '5', '{}', '"x"') },
);
const topKey = fc.constantFrom(
  'Peers',
  'peers',
  'PeersChanged',
  'peerschanged',
  'PeersRemoved',
  'PeersChangedPatch',
  'Node',
  'TKAInfo',
  'Domain',
  'P\u212aeers',
  '__proto__',
);
const topMember = topKey.chain((k) =>
  fc.tuple(fc.constant(k), k === 'Node' ? entry : k === 'Domain' || k === 'TKAInfo' ? value : list),
);
/** The text of a map response a hostile server could write. */
export const response = objectText(topMember, 5);

/**
 * The bytes of a line in memory of their own, as the hook's line memory holds them. The verifier
 * tells memories apart by their ArrayBuffer (`holdsMemory`), and `Buffer.from` puts small texts in
 * one pool shared by many.
 */
export function lineBytes(text: string): Buffer {
  const bytes = Buffer.alloc(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
