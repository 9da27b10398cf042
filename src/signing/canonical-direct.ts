import { blake2s256Into } from '../crypto/blake2s.js';
import { verifyZip215StrictR } from '../crypto/ed25519.js';
import { KEY_KIND_ED25519 } from '../model/key.js';
import { SigKind, sigKindName } from '../model/nks.js';
import type { State } from '../model/state.js';
import { decodeBase64Into } from '../wire/base64.js';
import { levelNotVerifiedMessage } from './node-key-authorization.js';

/*
 * The fast path for the node-key signature nearly every peer carries: a Direct signature by an
 * admin's key, with or without a rotation (wrapping) key, in exactly the bytes our canonical
 * writer produces. Such bytes have one layout, so the fields are read at fixed offsets of a
 * reused buffer, the sig-hash is taken over those bytes with the signature pair cut out (what
 * `decodeNodeKeySignatureForVerify` hashes for a canonical input), and the signature is verified
 * on a view: no CBOR tree, no decoded object, no allocation but the digest's string.
 *
 * It answers only where `nodeKeyAuthorizedInState` would reach the signature check of a
 * top-level Direct level with the same bytes, key and message, and then gives that check's answer
 * (`verifyZip215StrictR`). Everything else (another kind or layout, a field of another length, a
 * node key that does not match or is not lower-case text, a key ID not trusted, a state the
 * general path would look at twice) is `undefined`: the general path, which stays the reference,
 * gives the verdict and its reason. test/signing/canonical-direct.property.test.ts checks the two
 * agree on valid, mutated, truncated and non-canonical signatures.
 */

/**
 * What the fast path found: the signature authorises the node key, or it does not verify (which
 * the general path reports as BAD_SIGNATURE with `CANONICAL_DIRECT_NOT_VERIFIED`).
 */
export type CanonicalDirectOutcome = 'authorised' | 'bad-signature';

/** The general path's message for a top-level Direct signature that does not verify. */
export const CANONICAL_DIRECT_NOT_VERIFIED = levelNotVerifiedMessage(sigKindName(SigKind.Direct), 0);

// A canonical Direct: map header, then pairs 1 (sigKind 1), 2 (pubkey: "np" + 32 bytes),
// 3 (keyID: 32 bytes), 4 (signature: 64 bytes), and optionally 6 (wrappingPubkey: 32 bytes).
const WITH_WRAPPING = 177;
const WITHOUT_WRAPPING = 142;
const NODE_KEY_AT = 8; // after the pair head 02 58 22 and "np"
const KEY_ID_AT = 43;
const SIGNATURE_AT = 78;
const SIGNATURE_PAIR_AT = 75;
const SIGNATURE_PAIR_LENGTH = 3 + 64;
const WRAPPING_PAIR_AT = 142;

/** [offset, byte] pairs every canonical Direct of this layout has. */
const FIXED_BYTES = new Uint8Array([
  ...[1, 0x01, 2, 0x01], // key 1, uint 1 (Direct)
  ...[3, 0x02, 4, 0x58, 5, 34, 6, 0x6e, 7, 0x70], // key 2, bytes(34), "np"
  ...[40, 0x03, 41, 0x58, 42, 32], // key 3, bytes(32)
  ...[75, 0x04, 76, 0x58, 77, 64], // key 4, bytes(64)
]);
const WRAPPING_PAIR_HEAD = [0x06, 0x58, 32]; // key 6, bytes(32)

/** The decoded signature (one per thread; read only within one call). */
const bytes = new Uint8Array(WITH_WRAPPING);
const signatureView = bytes.subarray(SIGNATURE_AT, SIGNATURE_AT + 64);
/** The sig-hash input: the map without its signature pair (one pair fewer in its header). */
const unsignedWithWrapping = new Uint8Array(WITH_WRAPPING - SIGNATURE_PAIR_LENGTH);
const unsignedWithoutWrapping = unsignedWithWrapping.subarray(0, WITHOUT_WRAPPING - SIGNATURE_PAIR_LENGTH);
const sigHash = new Uint8Array(32);

/** Lower-case hex digit → value; anything else (upper case included) -1. */
const LOWER_HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) LOWER_HEX['0123456789abcdef'.charCodeAt(i)] = i;

/**
 * The fused check of `sigText` (standard base64 of a node-key signature, as in a map response's
 * `KeySignature`) for `nodeKeyText` (`nodekey:` + 64 lower-case hex) under `state`, when the
 * signature is a canonical Direct one by a trusted key for that node key; `undefined` otherwise,
 * meaning: ask `nodeKeyAuthorizedInState`. Not reentrant (it is synchronous throughout).
 */
export function checkCanonicalDirect(
  state: State,
  nodeKeyText: string,
  sigText: string,
): CanonicalDirectOutcome | undefined {
  if (typeof sigText !== 'string' || typeof nodeKeyText !== 'string') return undefined;
  const n = decodeBase64Into(sigText, bytes);
  if (!isCanonicalDirectLayout(n)) return undefined;
  if (!nodeKeyMatches(nodeKeyText)) return undefined;
  const trusted = trustedKey(state);
  if (trusted === undefined) return undefined;
  // The sig-hash input: the header with one pair fewer, pairs 1-3, then pair 6 if present.
  const unsigned = unsignedWithWrapping;
  unsigned[0] = bytes[0]! - 1;
  for (let i = 1; i < SIGNATURE_PAIR_AT; i++) unsigned[i] = bytes[i]!;
  for (let i = WRAPPING_PAIR_AT; i < n; i++) unsigned[i - SIGNATURE_PAIR_LENGTH] = bytes[i]!;
  blake2s256Into(n === WITH_WRAPPING ? unsignedWithWrapping : unsignedWithoutWrapping, sigHash);
  return verifyZip215StrictR(trusted, sigHash, signatureView) ? 'authorised' : 'bad-signature';
}

/** Whether the first `n` bytes of `bytes` are a canonical Direct of the one layout read here. */
function isCanonicalDirectLayout(n: number): boolean {
  if (n === WITH_WRAPPING) {
    if (bytes[0] !== 0xa5) return false;
    for (let j = 0; j < 3; j++) if (bytes[WRAPPING_PAIR_AT + j] !== WRAPPING_PAIR_HEAD[j]) return false;
  } else if (n !== WITHOUT_WRAPPING || bytes[0] !== 0xa4) {
    return false;
  }
  for (let j = 0; j < FIXED_BYTES.length; j += 2)
    if (bytes[FIXED_BYTES[j]!] !== FIXED_BYTES[j + 1]) return false;
  return true;
}

/** Whether `text` is `nodekey:` + 64 lower-case hex digits naming the signature's node key. */
function nodeKeyMatches(text: string): boolean {
  if (text.length !== 72 || !text.startsWith('nodekey:')) return false;
  for (let i = 0; i < 32; i++) {
    const hi = text.charCodeAt(8 + 2 * i);
    const lo = text.charCodeAt(9 + 2 * i);
    const v = ((hi < 128 ? LOWER_HEX[hi]! : -1) << 4) | (lo < 128 ? LOWER_HEX[lo]! : -1);
    if (v !== bytes[NODE_KEY_AT + i]) return false; // a digit outside [0-9a-f] makes v negative
  }
  return true;
}

/**
 * The public key of the trusted key whose ID is the signature's key ID, found as `findKey` finds
 * it; `undefined` when there is none, or when the general path could answer otherwise (a state or
 * key of an unexpected shape, a key of another kind before the match, which it refuses).
 */
function trustedKey(state: State): Uint8Array | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const keys: unknown = state.keys;
  if (!Array.isArray(keys)) return undefined;
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (typeof key !== 'object' || key === null) return undefined;
    const { kind, public: pub } = key as { kind?: unknown; public?: unknown };
    if (kind !== KEY_KIND_ED25519) return undefined;
    if (pub === null) continue;
    if (!(pub instanceof Uint8Array)) return undefined;
    if (pub.length === 32 && sameAsKeyID(pub)) return pub;
  }
  return undefined;
}

function sameAsKeyID(pub: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (pub[i] !== bytes[KEY_ID_AT + i]) return false;
  return true;
}
