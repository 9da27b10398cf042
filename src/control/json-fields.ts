import { TlockError } from '../errors.js';
import { hashFromBase32 } from '../wire/base32.js';
import { decodeBase64 } from '../wire/base64.js';
import { describe } from '../wire/bytes.js';
import { parseNodeKey } from '../wire/keytext.js';

/*
 * Reading the control messages' JSON by Go field names. Go's decoder matches names
 * case-insensitively (last match wins); tlock reads the exact names and refuses an object that
 * also spells a known field another way, so no message can mean one thing to Go and another to
 * us. Unknown fields are ignored, as Go does. `null` and a missing field both mean the zero value.
 */

function bad(message: string): never {
  throw new TlockError('DECODE', message);
}

/** Go's name folding (ASCII case, plus the two non-ASCII letters that fold onto k and s). */
function fold(name: string): string {
  return name.toLowerCase().replace(/\u017f/g, 's');
}

/** The fields of one JSON object, read as one Go struct. */
export class JsonFields {
  readonly #obj: Record<string, unknown>;
  readonly #what: string;

  /** `names`: every field of the struct, so that other spellings of them are refused. */
  constructor(value: unknown, what: string, names: readonly string[]) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      bad(`${what}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : describe(value)}`);
    }
    this.#obj = value as Record<string, unknown>;
    this.#what = what;
    const folded = new Map(names.map((n) => [fold(n), n]));
    for (const key of Object.keys(this.#obj)) {
      const field = folded.get(fold(key));
      if (field !== undefined && field !== key) {
        bad(`${what}: field "${key}" must be spelt "${field}" (Go field names, exact case)`);
      }
    }
  }

  #value(name: string): unknown {
    return Object.hasOwn(this.#obj, name) ? this.#obj[name] : null;
  }

  #label(name: string): string {
    return `${this.#what}.${name}`;
  }

  /** Whether the field is present and not null. */
  has(name: string): boolean {
    return this.#value(name) !== null;
  }

  /** A non-negative integer (Go int); missing or null: 0. */
  uint(name: string): number {
    const v = this.#value(name);
    if (v === null) return 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      bad(`${this.#label(name)}: expected a non-negative integer, got ${describe(v)}`);
    }
    return v;
  }

  bool(name: string): boolean {
    const v = this.#value(name);
    if (v === null) return false;
    if (typeof v !== 'boolean') bad(`${this.#label(name)}: expected true or false, got ${describe(v)}`);
    return v;
  }

  /** A string; missing or null: "". */
  string(name: string): string {
    const v = this.#value(name);
    if (v === null) return '';
    if (typeof v !== 'string') bad(`${this.#label(name)}: expected a string, got ${describe(v)}`);
    return v;
  }

  /** A base32 AUM hash (52 characters), given back as the same text; "" when `optional` and empty. */
  hash(name: string, optional = false): string {
    const text = this.string(name);
    if (text === '' && optional) return '';
    checkHash(text, () => this.#label(name));
    return text;
  }

  /** A list of base32 AUM hashes; missing or null: []. */
  hashes(name: string): string[] {
    return this.#list(name).map((v, i) => {
      const label = (): string => `${this.#label(name)}[${i}]`;
      if (typeof v !== 'string') bad(`${label()}: expected a base32 AUM hash, got ${describe(v)}`);
      checkHash(v, label);
      return v;
    });
  }

  /** A `nodekey:<64 hex>` text, as 32 bytes; required. */
  nodeKey(name: string): Uint8Array {
    const v = this.#value(name);
    if (typeof v !== 'string')
      bad(`${this.#label(name)}: expected "nodekey:<64 hex digits>", got ${describe(v)}`);
    try {
      return parseNodeKey(v);
    } catch (e) {
      throw relabel(e, this.#label(name));
    }
  }

  /** Standard padded base64 bytes; missing or null: undefined. */
  bytes(name: string): Uint8Array | undefined {
    const v = this.#value(name);
    if (v === null) return undefined;
    return base64Value(v, () => this.#label(name));
  }

  /** Base64 bytes that must be there and not empty. */
  requiredBytes(name: string): Uint8Array {
    const b = this.bytes(name);
    if (b === undefined || b.length === 0) bad(`${this.#label(name)}: missing (base64 bytes expected)`);
    return b;
  }

  /** A list of base64 byte strings; missing or null: []. */
  bytesList(name: string): Uint8Array[] {
    return this.#list(name).map((v, i) => base64Value(v, () => `${this.#label(name)}[${i}]`));
  }

  /** A list of JSON objects (nested structs); missing or null: []. */
  objects(name: string): unknown[] {
    return this.#list(name);
  }

  /** A JSON object used as a Go map: its entries; missing or null: []. */
  entries(name: string): [string, unknown][] {
    const v = this.#value(name);
    if (v === null) return [];
    if (typeof v !== 'object' || Array.isArray(v)) {
      bad(`${this.#label(name)}: expected a JSON object, got ${Array.isArray(v) ? 'an array' : describe(v)}`);
    }
    return Object.entries(v as Record<string, unknown>);
  }

  #list(name: string): unknown[] {
    const v = this.#value(name);
    if (v === null) return [];
    if (!Array.isArray(v)) bad(`${this.#label(name)}: expected a JSON array, got ${describe(v)}`);
    return v;
  }
}

// Labels are built only for an error: a sync message carries thousands of values.
function checkHash(text: string, label: () => string): void {
  try {
    hashFromBase32(text);
  } catch (e) {
    throw relabel(e, label());
  }
}

function base64Value(v: unknown, label: () => string): Uint8Array {
  if (v === null) return new Uint8Array(0);
  if (typeof v !== 'string') bad(`${label()}: expected standard base64 text, got ${describe(v)}`);
  try {
    return decodeBase64(v, 'base64');
  } catch (e) {
    const why = (e as Error).message.replace(/^base64: /, '');
    throw new TlockError('DECODE', `${label()}: ${why}`, { cause: e });
  }
}

/** A DECODE error that names the field (the wire decoders name only the value). */
function relabel(e: unknown, label: string): TlockError {
  const message = e instanceof Error ? e.message : String(e);
  return new TlockError('DECODE', message.startsWith(label) ? message : `${label}: ${message}`, { cause: e });
}

/** A NodeID (Go int64): a JSON integer, or as a map key its decimal text. Safe integers only. */
export function parseNodeID(v: unknown, label: string): string {
  const text = typeof v === 'number' ? String(v) : v;
  if (
    typeof text !== 'string' ||
    !/^(0|-?[1-9][0-9]{0,15})$/.test(text) ||
    !Number.isSafeInteger(Number(text))
  ) {
    bad(`${label}: expected a node ID (an integer below 2^53), got ${describe(v)}`);
  }
  return text;
}
