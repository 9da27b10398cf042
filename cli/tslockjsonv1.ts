import { type AUM, aumHash, aumKindName, decodeAUM, encodeAUM } from '../src/model/aum.js';
import type { Key } from '../src/model/key.js';
import { type NodeKeySignature, sigKindName } from '../src/model/nks.js';
import type { State } from '../src/model/state.js';
import { TlockError } from '../src/errors.js';
import { hashToBase32 } from '../src/wire/base32.js';
import { bytesEqual, toHex } from '../src/wire/bytes.js';

// Tailscale's `tailscale lock … --json` schema version 1 (its tslockjsonv1 package): field names,
// order and text forms as Tailscale writes them, so scripts written for one read the other.

export const SCHEMA_VERSION = '1';

/** `tlpub:` and the hex of whatever bytes a key ID holds (Tailscale's CLIString). */
export const tlpubText = (bytes: Uint8Array): string => 'tlpub:' + toHex(bytes);

/** Go's base64.URLEncoding: the URL alphabet, with padding. */
export function base64URLPadded(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return s + '='.repeat((4 - (s.length % 4)) % 4);
}

export const keyKindText = (kind: number): string => (kind === 1 ? '25519' : `Key?<${kind}>`);

export interface KeyJSON {
  Kind: string | undefined;
  Votes: number | bigint;
  Public: string;
  Meta: Record<string, string> | undefined;
}

export function keyJSON(key: Key): KeyJSON {
  const meta = key.meta !== undefined && Object.keys(key.meta).length > 0 ? { ...key.meta } : undefined;
  return {
    Kind: key.kind === 0 ? undefined : keyKindText(key.kind),
    Votes: key.votes,
    Public: tlpubText(key.public ?? new Uint8Array(0)),
    Meta: meta,
  };
}

function stateJSON(state: State): Record<string, unknown> {
  return {
    LastAUMHash: state.lastAUMHash === null ? undefined : hashToBase32(state.lastAUMHash),
    DisablementValues: state.disablementValues?.map((v) => (v === null ? '' : toHex(v))) ?? null,
    Keys: (state.keys ?? []).map(keyJSON),
    StateID1: state.stateID1 ?? 0n,
    StateID2: state.stateID2 ?? 0n,
  };
}

export function aumJSON(aum: AUM): Record<string, unknown> {
  const meta = aum.meta !== undefined && Object.keys(aum.meta).length > 0 ? { ...aum.meta } : undefined;
  return {
    MessageKind: aumKindName(aum.messageKind),
    PrevAUMHash: aum.prevAUMHash === null ? undefined : hashToBase32(aum.prevAUMHash),
    Key: aum.key === undefined ? undefined : keyJSON(aum.key),
    KeyID: aum.keyID === undefined || aum.keyID.length === 0 ? undefined : tlpubText(aum.keyID),
    State: aum.state === undefined ? undefined : stateJSON(aum.state),
    Votes: aum.votes === undefined || aum.votes === 0 || aum.votes === 0n ? undefined : aum.votes,
    Meta: meta,
    Signatures:
      aum.signatures === undefined || aum.signatures.length === 0
        ? undefined
        : aum.signatures.map((s) => ({
            KeyID: tlpubText(s.keyID ?? new Uint8Array(0)),
            Signature: base64URLPadded(s.signature ?? new Uint8Array(0)),
          })),
  };
}

/** One entry of `log --json`: the hash, the AUM, and its bytes, re-hashed to check they agree. */
export function logMessageJSON(aum: AUM): { Hash: string; AUM: Record<string, unknown>; Raw: string } {
  const raw = encodeAUM(aum);
  const hash = aumHash(aum);
  if (!bytesEqual(aumHash(decodeAUM(raw)), hash)) {
    throw new TlockError('INTERNAL', `the AUM ${hashToBase32(hash)} does not re-hash to itself`);
  }
  return { Hash: hashToBase32(hash), AUM: aumJSON(aum), Raw: base64URLPadded(raw) };
}

/** Tailscale's NKS shape (status' NodeKeySignature): `PublicKey` is tlpub: + the hex of the 34-byte node key, as Go writes it. */
export interface NKSJSON {
  SigKind: string;
  PublicKey: string | undefined;
  KeyID: string | undefined;
  Signature: string;
  Nested: NKSJSON | undefined;
  WrappingPublicKey: string | undefined;
}

export function nksJSON(nks: NodeKeySignature): NKSJSON {
  const tl = (b: Uint8Array | undefined): string | undefined =>
    b === undefined || b.length === 0 ? undefined : tlpubText(b);
  return {
    SigKind: sigKindName(nks.sigKind),
    PublicKey: tl(nks.pubkey),
    KeyID: tl(nks.keyID),
    Signature: base64URLPadded(nks.signature ?? new Uint8Array(0)),
    Nested: nks.nested === undefined ? undefined : nksJSON(nks.nested),
    WrappingPublicKey: tl(nks.wrappingPubkey),
  };
}
