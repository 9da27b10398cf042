import { TlockError } from '../errors.js';
import { MAX_CBOR_NESTING } from '../limits.js';
import { blake2s256 } from '../crypto/blake2s.js';
import { type CborItem, type CborWriter, isNullish, parseCbor, scratchWriter } from '../wire/cbor.js';
import { readBytes, readStruct, readUint8 } from '../wire/cbor-struct.js';
import { requireBytes } from '../wire/bytes.js';
import { isCanonicalNKS } from './canonical-bytes.js';
import { checkOptionalBytes, checkUint8 } from './checks.js';

export const SigKind = {
  Invalid: 0,
  Direct: 1,
  Rotation: 2,
  Credential: 3,
} as const;

const SIG_KIND_NAMES: readonly string[] = ['invalid', 'direct', 'rotation', 'credential'];

export function sigKindName(kind: number): string {
  return SIG_KIND_NAMES[kind] ?? `Sig?<${kind}>`;
}

/** A node-key signature (docs/FORMAT.md §2.5 and §6). Every byte field is omitted when empty. */
export interface NodeKeySignature {
  sigKind: number;
  /** The authorised node key in binary form: ASCII "np" + 32 bytes. */
  pubkey?: Uint8Array;
  /** The trusted key that signed (Direct, Credential). */
  keyID?: Uint8Array;
  signature?: Uint8Array;
  /** The previous signature (Rotation). */
  nested?: NodeKeySignature;
  /** The ed25519 key allowed to sign the next rotation. */
  wrappingPubkey?: Uint8Array;
}

const NKS_FIELDS = [1, 2, 3, 4, 5, 6] as const;

function readNKS(item: CborItem, what: string): NodeKeySignature {
  const f = readStruct(item, what, NKS_FIELDS);
  const nks: NodeKeySignature = { sigKind: readUint8(f?.get(1), `${what} sigKind`) };
  const pubkey = readBytes(f?.get(2), `${what} pubkey`);
  if (pubkey !== null) nks.pubkey = pubkey;
  const keyID = readBytes(f?.get(3), `${what} keyID`);
  if (keyID !== null) nks.keyID = keyID;
  const signature = readBytes(f?.get(4), `${what} signature`);
  if (signature !== null) nks.signature = signature;
  const nested = f?.get(5);
  if (nested !== undefined && !isNullish(nested)) nks.nested = readNKS(nested, `${what} nested`);
  const wrapping = readBytes(f?.get(6), `${what} wrappingPubkey`);
  if (wrapping !== null) nks.wrappingPubkey = wrapping;
  return nks;
}

/** Strictly decodes a node-key signature. Throws DECODE. */
export function decodeNodeKeySignature(bytes: Uint8Array): NodeKeySignature {
  requireBytes(bytes, 'decodeNodeKeySignature: bytes');
  return readNKS(parseCbor(bytes), 'node-key signature');
}

function writeNKS(
  w: CborWriter,
  nks: NodeKeySignature,
  withSignature: boolean,
  what: string,
  depth: number,
): void {
  if (typeof nks !== 'object' || nks === null)
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected an object`);
  // No decoder reads deeper nesting, and a cycle in a caller's object would never end.
  if (depth > MAX_CBOR_NESTING) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: nested more than ${MAX_CBOR_NESTING} levels`);
  }
  const kind = checkUint8(nks.sigKind, `${what}.sigKind`);
  const fields: [number, Uint8Array | undefined][] = [
    [2, checkOptionalBytes(nks.pubkey, `${what}.pubkey`)],
    [3, checkOptionalBytes(nks.keyID, `${what}.keyID`)],
    [4, withSignature ? checkOptionalBytes(nks.signature, `${what}.signature`) : undefined],
  ];
  const wrapping = checkOptionalBytes(nks.wrappingPubkey, `${what}.wrappingPubkey`);
  const present = fields.filter(([, v]) => v !== undefined && v.length > 0);
  const hasWrapping = wrapping !== undefined && wrapping.length > 0;
  w.mapHeader(1 + present.length + (nks.nested !== undefined ? 1 : 0) + (hasWrapping ? 1 : 0));
  w.uint(1);
  w.uint(kind);
  for (const [k, v] of present) {
    w.uint(k);
    w.bytes(v!);
  }
  if (nks.nested !== undefined) {
    w.uint(5);
    writeNKS(w, nks.nested, true, `${what}.nested`, depth + 1);
  }
  if (hasWrapping) {
    w.uint(6);
    w.bytes(wrapping);
  }
}

/** Canonical CBOR of a node-key signature. */
export function encodeNodeKeySignature(nks: NodeKeySignature): Uint8Array {
  const w = scratchWriter();
  writeNKS(w, nks, true, 'NodeKeySignature', 1);
  return w.finish();
}

/** BLAKE2s-256 of the encoding without this level's `signature` (nested signatures stay). */
export function nodeKeySignatureSigHash(nks: NodeKeySignature): Uint8Array {
  const w = scratchWriter();
  writeNKS(w, nks, false, 'NodeKeySignature', 1);
  return blake2s256(w.view());
}

/**
 * A node-key signature decoded for verification, with the sig-hash of each level. When the input
 * is canonical (isCanonicalNKS) a level's sig-hash is taken over its input bytes with the
 * signature pair cut out, which is exactly its re-encoding without the signature; otherwise the
 * level is re-encoded. Only for a caller that does not change `nks` before hashing.
 */
export interface DecodedNKS {
  readonly nks: NodeKeySignature;
  /** The sig-hash of the level `depth` rotations down (0: the outermost). */
  sigHash(depth: number): Uint8Array;
}

/** decodeNodeKeySignature, for verification (see DecodedNKS). Throws DECODE. */
export function decodeNodeKeySignatureForVerify(bytes: Uint8Array): DecodedNKS {
  requireBytes(bytes, 'decodeNodeKeySignature: bytes');
  const root = parseCbor(bytes);
  const nks = readNKS(root, 'node-key signature');
  const canonical = isCanonicalNKS(root);
  return {
    nks,
    sigHash(depth: number): Uint8Array {
      let level = nks;
      let item = root;
      for (let d = 0; d < depth; d++) {
        if (level.nested === undefined) throw new RangeError(`sigHash: no level ${depth}`);
        level = level.nested;
        if (canonical) item = fieldOf(item, 5)!;
      }
      return canonical ? blake2s256(unsignedBytes(bytes, item)) : nodeKeySignatureSigHash(level);
    },
  };
}

/** The value of integer key `field` in a canonical map (keys are plain uints there). */
function fieldOf(item: CborItem, field: number): CborItem | undefined {
  if (item.kind !== 'map') return undefined;
  const i = item.keys.findIndex((k) => k.kind === 'uint' && k.value === field);
  return i < 0 ? undefined : item.values[i];
}

let spliced = new Uint8Array(512);

/**
 * A canonical level's bytes without its signature pair (key 4): its sig-hash input. Returned in
 * a shared buffer that the next call overwrites; the caller hashes it at once.
 */
function unsignedBytes(input: Uint8Array, level: CborItem): Uint8Array {
  if (level.kind !== 'map') throw new RangeError('unsignedBytes: not a map');
  const j = level.keys.findIndex((k) => k.kind === 'uint' && k.value === 4);
  if (j < 0) return input.subarray(level.start, level.end);
  const first = level.keys[0]!.start;
  const cutFrom = level.keys[j]!.start;
  const cutTo = level.values[j]!.end;
  const n = 1 + (cutFrom - first) + (level.end - cutTo);
  if (spliced.length < n) spliced = new Uint8Array(2 * n);
  const out = spliced;
  // A canonical level has at most 6 pairs, so its header is the single byte 0xa0 + count.
  out[0] = 0xa0 | (level.keys.length - 1);
  let o = 1;
  for (let i = first; i < cutFrom; i++) out[o++] = input[i]!;
  for (let i = cutTo; i < level.end; i++) out[o++] = input[i]!;
  return out.subarray(0, n);
}
