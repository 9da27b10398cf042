import { TlockError } from '../errors.js';
import { bytesEqual, fromHex, requireBytes, toHex } from './bytes.js';

/*
 * Text forms of keys (docs/FORMAT.md §4): `tlpub:`/`nlpub:` + 64 hex (TL public key), `nlpriv:` + 128 hex
 * (TL private key), `nodekey:` + 64 hex (node key), and the 34-byte binary node key in an NKS.
 * Hex is written lower case and read in either case, as Tailscale does.
 */

function parsePrefixed(text: string, prefixes: readonly string[], bytes: number, what: string): Uint8Array {
  if (typeof text !== 'string') throw new TlockError('INVALID_ARGUMENT', `${what}: expected a string`);
  const prefix = prefixes.find((p) => text.startsWith(p));
  if (prefix === undefined) {
    throw new TlockError(
      'DECODE',
      `${what}: expected text starting with ${prefixes.map((p) => `"${p}"`).join(' or ')}`,
    );
  }
  const hex = text.slice(prefix.length);
  if (hex.length !== bytes * 2) {
    throw new TlockError(
      'DECODE',
      `${what}: expected ${bytes * 2} hex characters after "${prefix}", got ${hex.length}`,
    );
  }
  return fromHex(hex, what);
}

export function formatTLPublic(pub: Uint8Array): string {
  return 'tlpub:' + toHex(requireBytes(pub, 'formatTLPublic: key', 32));
}

/** Reads `tlpub:<hex>` (what people see) or `nlpub:<hex>` (what machines send). */
export function parseTLPublic(text: string): Uint8Array {
  return parsePrefixed(text, ['tlpub:', 'nlpub:'], 32, 'TL public key');
}

/** The machine form used in JSON and the control protocol. */
export function formatNLPublic(pub: Uint8Array): string {
  return 'nlpub:' + toHex(requireBytes(pub, 'formatNLPublic: key', 32));
}

export function formatTLPrivate(priv: Uint8Array): string {
  return 'nlpriv:' + toHex(requireBytes(priv, 'formatTLPrivate: key', 64));
}

export function parseTLPrivate(text: string): Uint8Array {
  return parsePrefixed(text, ['nlpriv:'], 64, 'TL private key');
}

export function formatNodeKey(pub: Uint8Array): string {
  return 'nodekey:' + toHex(requireBytes(pub, 'formatNodeKey: key', 32));
}

export function parseNodeKey(text: string): Uint8Array {
  return parsePrefixed(text, ['nodekey:'], 32, 'node key');
}

/** A key ID as people read it in messages: `tlpub:<hex>` for 32 bytes, else `key ID <hex>`. */
export function describeKeyID(keyID: Uint8Array | null | undefined): string {
  if (keyID === null || keyID === undefined) return 'an unset key ID';
  return keyID.length === 32 ? formatTLPublic(keyID) : `key ID ${toHex(keyID)}`;
}

const NP = new Uint8Array([0x6e, 0x70]); // "np"

/** The 34-byte binary form of a node key used in node-key signatures: "np" + 32 bytes. */
export function nodeKeyToBinary(pub: Uint8Array): Uint8Array {
  requireBytes(pub, 'node key', 32);
  const out = new Uint8Array(34);
  out.set(NP, 0);
  out.set(pub, 2);
  return out;
}

/** The inverse of nodeKeyToBinary; `undefined` when the bytes are not a binary node key. */
export function nodeKeyFromBinary(bin: Uint8Array): Uint8Array | undefined {
  if (bin.length !== 34 || !bytesEqual(bin.subarray(0, 2), NP)) return undefined;
  return bin.slice(2);
}
