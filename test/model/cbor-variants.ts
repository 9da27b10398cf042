import fc from 'fast-check';
import { type CborItem, parseCbor } from '../../src/wire/cbor.js';

/*
 * Non-canonical re-writings of valid encodings, for testing shortcuts that trust canonical bytes:
 * a free CBOR tree (any head width, any key order) built from a parsed encoding, a set of edits
 * Tailscale's decoder tolerates (or refuses), and a writer that honours the chosen head widths.
 */

export type Tree =
  | { t: 'uint'; v: bigint; w?: number }
  | { t: 'bytes'; b: Uint8Array; w?: number }
  | { t: 'text'; b: Uint8Array; w?: number }
  | { t: 'array'; items: Tree[]; w?: number }
  | { t: 'map'; pairs: [Tree, Tree][]; w?: number }
  | { t: 'simple'; v: number };

export function treeOf(item: CborItem): Tree {
  switch (item.kind) {
    case 'uint':
      return { t: 'uint', v: BigInt(item.value) };
    case 'bytes':
      return { t: 'bytes', b: item.bytes.slice() };
    case 'text':
      return { t: 'text', b: item.bytes.slice() };
    case 'array':
      return { t: 'array', items: item.items.map(treeOf) };
    case 'map':
      return { t: 'map', pairs: item.keys.map((k, i) => [treeOf(k), treeOf(item.values[i]!)]) };
    case 'simple':
      return { t: 'simple', v: item.value };
    default:
      throw new Error(`treeOf: ${item.kind} does not occur in our encodings`);
  }
}

/** Head with a forced width (0: shortest; 1..4: 1, 2, 4 or 8 extra bytes when the value fits). */
function head(out: number[], major: number, value: bigint, w = 0): void {
  const sizes = [1, 2, 4, 8];
  let size = w === 0 ? 0 : sizes[w - 1]!;
  if (size !== 0 && value >= 1n << BigInt(8 * size)) size = 0;
  if (size === 0) {
    if (value < 24n) return void out.push((major << 5) | Number(value));
    size = value < 0x100n ? 1 : value < 0x10000n ? 2 : value < 0x100000000n ? 4 : 8;
  }
  out.push((major << 5) | (24 + Math.log2(size)));
  for (let i = size - 1; i >= 0; i--) out.push(Number((value >> BigInt(8 * i)) & 0xffn));
}

export function writeTree(tree: Tree): Uint8Array {
  const out: number[] = [];
  const walk = (n: Tree): void => {
    switch (n.t) {
      case 'uint':
        return head(out, 0, n.v, n.w);
      case 'bytes':
      case 'text':
        head(out, n.t === 'bytes' ? 2 : 3, BigInt(n.b.length), n.w);
        for (const x of n.b) out.push(x);
        return;
      case 'array':
        head(out, 4, BigInt(n.items.length), n.w);
        return n.items.forEach(walk);
      case 'map':
        head(out, 5, BigInt(n.pairs.length), n.w);
        for (const [k, v] of n.pairs) {
          walk(k);
          walk(v);
        }
        return;
      case 'simple':
        return void out.push(0xe0 | n.v);
    }
  };
  walk(tree);
  return new Uint8Array(out);
}

/** Every node of a tree, depth first (the root first). */
function nodes(tree: Tree): Tree[] {
  const out: Tree[] = [tree];
  if (tree.t === 'array') for (const i of tree.items) out.push(...nodes(i));
  if (tree.t === 'map') for (const [k, v] of tree.pairs) out.push(...nodes(k), ...nodes(v));
  return out;
}

const EDITS = [
  'widen-head',
  'swap-pairs',
  'text-key',
  'unknown-key',
  'null-to-undefined',
  'bytes-to-array',
  'empty-bytes',
  'drop-pair',
  'zero-uint',
  'null-value',
  'empty-map',
  'duplicate-pair',
] as const;
export type Edit = [(typeof EDITS)[number], number, number];

/** Applies one edit at node `at` (mod the node count); `x` picks among choices. Mutates `tree`. */
export function applyEdit(tree: Tree, [edit, at, x]: Edit): void {
  const all = nodes(tree);
  const n = all[at % all.length]!;
  const maps = all.filter((m): m is Tree & { t: 'map' } => m.t === 'map');
  const map = maps[at % Math.max(1, maps.length)];
  switch (edit) {
    case 'widen-head':
      if (n.t !== 'simple') n.w = 1 + (x % 4);
      return;
    case 'swap-pairs':
      if (map !== undefined && map.pairs.length >= 2) {
        const i = x % (map.pairs.length - 1);
        [map.pairs[i], map.pairs[i + 1]] = [map.pairs[i + 1]!, map.pairs[i]!];
      }
      return;
    case 'text-key':
      if (map !== undefined && map.pairs.length > 0) {
        const pair = map.pairs[x % map.pairs.length]!;
        if (pair[0].t === 'uint') pair[0] = { t: 'text', b: new TextEncoder().encode(String(pair[0].v)) };
      }
      return;
    case 'unknown-key':
      map?.pairs.splice(x % (map.pairs.length + 1), 0, [
        x % 2 === 0 ? { t: 'uint', v: 99n } : { t: 'text', b: new TextEncoder().encode('x') },
        { t: 'uint', v: 1n },
      ]);
      return;
    case 'null-to-undefined':
      if (n.t === 'simple' && n.v === 22) n.v = 23;
      return;
    case 'bytes-to-array':
      if (n.t === 'bytes')
        Object.assign(n, { t: 'array', items: [...n.b].map((v) => ({ t: 'uint', v: BigInt(v) })) });
      return;
    case 'empty-bytes':
      if (n.t === 'bytes') n.b = new Uint8Array(0);
      else
        map?.pairs.push([
          { t: 'uint', v: BigInt(1 + (x % 24)) },
          { t: 'bytes', b: new Uint8Array(0) },
        ]);
      return;
    case 'drop-pair':
      if (map !== undefined && map.pairs.length > 0) map.pairs.splice(x % map.pairs.length, 1);
      return;
    case 'zero-uint':
      if (n.t === 'uint') n.v = 0n;
      return;
    case 'null-value':
      if (map !== undefined && map.pairs.length > 0)
        map.pairs[x % map.pairs.length]![1] = { t: 'simple', v: 22 };
      return;
    case 'empty-map':
      if (map !== undefined && map.pairs.length > 0)
        map.pairs[x % map.pairs.length]![1] = { t: 'map', pairs: [] };
      return;
    case 'duplicate-pair':
      if (map !== undefined && map.pairs.length > 0) map.pairs.push(map.pairs[x % map.pairs.length]!);
      return;
  }
}

export const editsArb: fc.Arbitrary<Edit[]> = fc.array(
  fc.tuple(fc.constantFrom(...EDITS), fc.nat(200), fc.nat(200)),
  { minLength: 0, maxLength: 3 },
);

/** A canonical encoding re-written with a few edits (none: the encoding itself). */
export function variantOf(canonical: Uint8Array, edits: readonly Edit[]): Uint8Array {
  const tree = treeOf(parseCbor(canonical));
  for (const e of edits) applyEdit(tree, e);
  return writeTree(tree);
}
