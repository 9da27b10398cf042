import { type CborItem, SIMPLE_NULL } from '../wire/cbor.js';

/*
 * When the bytes just decoded are exactly what our canonical writer would produce for the
 * decoded value, hashes can be taken over those bytes instead of a re-encoding (issue 5: "no
 * re-encoding of what was just decoded"). These predicates say so from the parsed tree, mirroring
 * the writers in aum.ts, key.ts, state.ts and nks.ts rule by rule:
 * - every head in shortest form, no floats (the parser's `minimal`);
 * - integer keys only, strictly increasing (so sorted and unique), each a field the writer knows;
 * - every field the writer always writes is present, and every field it leaves out when empty,
 *   zero or unset is absent rather than empty, zero or null;
 * - each value has the one CBOR type the writer gives it (bytes, not an array of small ints;
 *   null, not undefined; text, not null).
 * Anything else returns false and the caller re-encodes, so a false "no" only costs time.
 * test/model/canonical-bytes.test.ts checks `exact ⇒ encode(decode(b)) = b` on canonical and on
 * deliberately non-canonical inputs.
 */

type Rule = (v: CborItem) => boolean;

const isNull: Rule = (v) => v.kind === 'simple' && v.value === SIMPLE_NULL;
const isUint: Rule = (v) => v.kind === 'uint';
const isNonZeroUint: Rule = (v) => v.kind === 'uint' && v.value !== 0;
const isBytes: Rule = (v) => v.kind === 'bytes';
const isNonEmptyBytes: Rule = (v) => v.kind === 'bytes' && v.bytes.length > 0;
const isBytesOrNull: Rule = (v) => isBytes(v) || isNull(v);
const isHashOrNull: Rule = (v) => isNull(v) || (v.kind === 'bytes' && v.bytes.length === 32);
const orNull =
  (rule: Rule): Rule =>
  (v) =>
    isNull(v) || rule(v);
const arrayOf =
  (rule: Rule, nonEmpty = false): Rule =>
  (v) =>
    v.kind === 'array' && (!nonEmpty || v.items.length > 0) && v.items.every(rule);

/** A map whose keys are increasing small integers, each with a rule, `required` all present. */
function struct(rules: Readonly<Record<number, Rule>>, required: readonly number[]): Rule {
  return (item) => {
    if (item.kind !== 'map' || !item.minimal) return false;
    let prev = -1;
    let present = 0;
    for (let i = 0; i < item.keys.length; i++) {
      const k = item.keys[i]!;
      if (k.kind !== 'uint' || typeof k.value !== 'number' || k.value <= prev) return false;
      const rule = rules[k.value];
      if (rule === undefined || !rule(item.values[i]!)) return false;
      if (required.includes(k.value)) present++;
      prev = k.value;
    }
    return present === required.length;
  };
}

/** writeTextMap: a non-empty text → text map, keys ordered shorter UTF-8 first, then bytewise. */
const isMeta: Rule = (item) => {
  if (item.kind !== 'map' || item.keys.length === 0) return false;
  let prev: Uint8Array | undefined;
  for (let i = 0; i < item.keys.length; i++) {
    const k = item.keys[i]!;
    if (k.kind !== 'text' || item.values[i]!.kind !== 'text') return false;
    if (prev !== undefined && !textKeyBefore(prev, k.bytes)) return false;
    prev = k.bytes;
  }
  return true;
};

function textKeyBefore(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return a.length < b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false; // equal: a duplicate
}

// writeKey: kind, votes and public always; meta when not empty.
const isKey = struct({ 1: isUint, 2: isUint, 3: isBytesOrNull, 12: isMeta }, [1, 2, 3]);

// writeState: lastAUMHash (32 bytes or null), disablement values, keys always; state IDs when not 0.
const isState = struct(
  {
    1: isHashOrNull,
    2: orNull(arrayOf(isBytesOrNull)),
    3: orNull(arrayOf(isKey)),
    4: isNonZeroUint,
    5: isNonZeroUint,
  },
  [1, 2, 3],
);

const isAumSignature = struct({ 1: isBytesOrNull, 2: isBytesOrNull }, [1, 2]);

// writeAUM: kind and parent always; key, state, votes when set; keyID, meta, signatures when not empty.
const isAUM = struct(
  {
    1: isUint,
    2: isBytesOrNull,
    3: isKey,
    4: isNonEmptyBytes,
    5: isState,
    6: isUint,
    7: isMeta,
    23: arrayOf(isAumSignature, true),
  },
  [1, 2],
);

// writeNKS: sigKind always; byte fields when not empty; nested when set.
const NKS_RULES: Record<number, Rule> = {
  1: isUint,
  2: isNonEmptyBytes,
  3: isNonEmptyBytes,
  4: isNonEmptyBytes,
  6: isNonEmptyBytes,
};
const isNKS: Rule = struct(NKS_RULES, [1]);
NKS_RULES[5] = isNKS;

/** Whether `item`, which decoded as an AUM, is byte for byte `encodeAUM` of what it decoded to. */
export function isCanonicalAUM(item: CborItem): boolean {
  return isAUM(item);
}

/** Whether `item`, which decoded as a node-key signature, is byte for byte its `encodeNodeKeySignature`. */
export function isCanonicalNKS(item: CborItem): boolean {
  return isNKS(item);
}
