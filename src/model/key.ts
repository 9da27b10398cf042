import { TlockError } from '../errors.js';
import { MAX_META_BYTES, MAX_VOTES } from '../limits.js';
import { type CborItem, type CborWriter, scratchWriter } from '../wire/cbor.js';
import {
  readBytes,
  readStruct,
  readTextMap,
  readUint64,
  readUint8,
  writeTextMap,
} from '../wire/cbor-struct.js';
import { checkNullableBytes, checkUint64, checkUint8, isEmptyObject } from './checks.js';

/** A key trusted by the authority (docs/FORMAT.md §2.1). */
export interface Key {
  /** 1 = ed25519; 0 is invalid. */
  kind: number;
  /** Weight in fork resolution, 1..4096 when valid. Decoded values above 2^53-1 are bigints. */
  votes: number | bigint;
  /** The 32-byte ed25519 public key; `null` when unset (encoded as CBOR null, unlike empty bytes). */
  public: Uint8Array | null;
  meta?: Record<string, string>;
}

export const KEY_KIND_ED25519 = 1;

const KEY_FIELDS = [1, 2, 3, 12] as const;

export function readKey(item: CborItem, what: string): Key {
  const f = readStruct(item, what, KEY_FIELDS);
  const key: Key = {
    kind: readUint8(f?.get(1), `${what} kind`),
    votes: readUint64(f?.get(2), `${what} votes`) ?? 0,
    public: readBytes(f?.get(3), `${what} public`),
  };
  const meta = readTextMap(f?.get(12), `${what} meta`);
  if (meta !== undefined) key.meta = meta;
  return key;
}

export function writeKey(w: CborWriter, key: Key, what: string): void {
  if (typeof key !== 'object' || key === null) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected a Key object`);
  }
  const kind = checkUint8(key.kind, `${what}.kind`);
  const votes = checkUint64(key.votes, `${what}.votes`);
  const pub = checkNullableBytes(key.public, `${what}.public`);
  const hasMeta = key.meta !== undefined && !isEmptyObject(key.meta);
  w.mapHeader(hasMeta ? 4 : 3);
  w.uint(1);
  w.uint(kind);
  w.uint(2);
  w.uint(votes);
  w.uint(3);
  if (pub === null) w.null();
  else w.bytes(pub);
  if (hasMeta) {
    w.uint(12);
    writeTextMap(w, key.meta!, `${what}.meta`);
  }
}

const NO_BYTES = new Uint8Array(0);

/**
 * A key's ID (Tailscale's Key.ID): an ed25519 key's public bytes, an unset public counting as
 * empty. A key of another kind has no ID we can know: INVALID_AUM, for it breaks static
 * validation, and Go refuses to look past it.
 */
export function keyIDOf(key: Key): Uint8Array {
  if (key.kind !== KEY_KIND_ED25519) {
    throw new TlockError(
      'INVALID_AUM',
      `key of kind ${key.kind} has no key ID; only ed25519 (kind 1) keys are supported`,
    );
  }
  return key.public ?? NO_BYTES;
}

/** UTF-8 bytes of a key's metadata, as the format counts them (len(key)+len(value)). */
export function metaBytes(meta: Record<string, string> | undefined): number {
  if (meta === undefined) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(meta)) n += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  return n;
}

/** docs/FORMAT.md §5.1: votes 1..4096, kind ed25519, at most 512 bytes of metadata. Throws INVALID_AUM. */
export function validateKey(key: Key, what = 'key'): void {
  writeKey(scratchWriter(), key, what); // shape check: refuses what cannot be encoded
  const votes = BigInt(key.votes);
  if (votes > BigInt(MAX_VOTES)) {
    throw new TlockError('INVALID_AUM', `${what}: excessive key weight: ${votes} votes > ${MAX_VOTES}`);
  }
  if (votes === 0n) throw new TlockError('INVALID_AUM', `${what}: key votes must be non-zero`);
  const size = metaBytes(key.meta);
  if (size > MAX_META_BYTES) {
    throw new TlockError('INVALID_AUM', `${what}: key metadata too big (${size} > ${MAX_META_BYTES} bytes)`);
  }
  if (key.kind !== KEY_KIND_ED25519) {
    throw new TlockError(
      'INVALID_AUM',
      `${what}: unrecognised key kind ${key.kind} (only 1, ed25519, is supported)`,
    );
  }
}

export function cloneKey(key: Key): Key {
  const out: Key = {
    kind: key.kind,
    votes: key.votes,
    public: key.public === null ? null : key.public.slice(),
  };
  if (key.meta !== undefined) out.meta = { ...key.meta };
  return out;
}
