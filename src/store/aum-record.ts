import { TlockError } from '../errors.js';
import { type AUM, encodeAUM, readAUMHashed } from '../model/aum.js';
import { type CborItem, CborWriter, describeItem, isNullish, parseCbor } from '../wire/cbor.js';
import { readStruct } from '../wire/cbor-struct.js';

/**
 * The content of one AUM file in Tailscale's on-disk layout (docs/FORMAT.md §8, Go's
 * `fsHashInfo`): a CTAP2-canonical CBOR map with integer keys
 * - 1: retired (a list of children in old tailscaled versions): ignored when read, never written;
 * - 2: the AUM as a nested map, `null` when the file holds no AUM (old tailscaled wrote such
 *   files for parents it had not stored, to hold key 1);
 * - 3: CreatedUnix, int64 seconds of the first commit, omitted when 0;
 * - 4: PurgedUnix, int64 seconds of the (logical) purge, omitted when 0.
 */
export interface AumRecord {
  aum: AUM | undefined;
  createdUnix: bigint;
  purgedUnix: bigint;
}

const RECORD_FIELDS = [2, 3, 4] as const;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Tailscale counts a record as purged only when PurgedUnix is positive (`PurgedUnix > 0`). */
export function recordIsPurged(record: AumRecord): boolean {
  return record.purgedUnix > 0n;
}

/** A record whose AUM is visible to get/children/heads. */
export function recordIsLive(record: AumRecord): record is AumRecord & { aum: AUM } {
  return record.aum !== undefined && !recordIsPurged(record);
}

function writeInt64(w: CborWriter, value: bigint, what: string): void {
  if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: expected an int64 bigint, got ${String(value)}`);
  }
  if (value >= 0n) w.uint(value);
  else w.head(1, -1n - value);
}

/** Canonical CBOR of a record, byte for byte what tailscaled writes for the same values. */
export function encodeAumRecord(record: AumRecord): Uint8Array {
  const w = new CborWriter();
  const hasCreated = record.createdUnix !== 0n;
  const hasPurged = record.purgedUnix !== 0n;
  w.mapHeader(1 + (hasCreated ? 1 : 0) + (hasPurged ? 1 : 0));
  w.uint(2);
  // The AUM is embedded as a map, not a byte string: its canonical bytes are that map.
  if (record.aum === undefined) w.null();
  else w.raw(encodeAUM(record.aum));
  if (hasCreated) {
    w.uint(3);
    writeInt64(w, record.createdUnix, 'AUM record CreatedUnix');
  }
  if (hasPurged) {
    w.uint(4);
    writeInt64(w, record.purgedUnix, 'AUM record PurgedUnix');
  }
  return w.finish();
}

function readInt64(item: CborItem | undefined, what: string): bigint {
  if (item === undefined || isNullish(item)) return 0n;
  if (item.kind === 'uint') {
    const v = BigInt(item.value);
    if (v > INT64_MAX) throw new TlockError('DECODE', `CBOR: ${what}: ${v} overflows int64`);
    return v;
  }
  if (item.kind === 'nint') {
    const v = -1n - item.value;
    if (v < INT64_MIN) throw new TlockError('DECODE', `CBOR: ${what}: ${v} overflows int64`);
    return v;
  }
  throw new TlockError('DECODE', `CBOR: ${what}: expected an integer, got ${describeItem(item)}`);
}

/**
 * Decodes a record with the strict rules Tailscale's decoder applies to these files (the same
 * as for AUMs: no tags, no indefinite lengths, no duplicate keys, nesting and size limits).
 * Stricter than tailscaled in one way: bytes after the record are refused (Go's stream decoder
 * would stop reading at the end of the first item). Throws DECODE.
 */
export function decodeAumRecord(bytes: Uint8Array): AumRecord {
  return decodeAumRecordHashed(bytes).record;
}

/**
 * decodeAumRecord, with the hash of the record's AUM (undefined without one), taken over the
 * file's bytes when the AUM in it is canonical, as it is in every file tailscaled or tlock writes.
 */
export function decodeAumRecordHashed(bytes: Uint8Array): { record: AumRecord; aumHash?: Uint8Array } {
  const fields = readStruct(parseCbor(bytes), 'AUM record', RECORD_FIELDS);
  const aumItem = fields?.get(2);
  const read = aumItem === undefined || isNullish(aumItem) ? undefined : readAUMHashed(bytes, aumItem);
  const record: AumRecord = {
    aum: read?.aum,
    createdUnix: readInt64(fields?.get(3), 'AUM record CreatedUnix'),
    purgedUnix: readInt64(fields?.get(4), 'AUM record PurgedUnix'),
  };
  return read === undefined ? { record } : { record, aumHash: read.hash };
}
