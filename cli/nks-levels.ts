import { isSmallOrderPublicKey, verifyStandard, verifyZip215StrictR } from '../src/crypto/ed25519.js';
import { isTlockError } from '../src/errors.js';
import {
  type DecodedNKS,
  type NodeKeySignature,
  SigKind,
  decodeNodeKeySignatureForVerify,
  sigKindName,
} from '../src/model/nks.js';
import { wrappingPublicKey } from '../src/signing/node-key-authorization.js';
import { toHex } from '../src/wire/bytes.js';
import { formatNodeKey, nodeKeyFromBinary } from '../src/wire/keytext.js';
import { usageError } from './cli-error.js';
import type { LocalAuthority } from './local-authority.js';
import { tlpubText } from './tslockjsonv1.js';

/*
 * A node-key signature taken apart for `tlock inspect`: each level (the outermost first, then
 * each nested one), what it names, and whether its own signature verifies with the key that
 * must have made it, trust aside. Whether the authority trusts the chain is `nksVerdict`.
 */

export interface NKSLevel {
  depth: number;
  kind: string;
  /** The node key it names, when its pubkey is one ("np" + 32 bytes). */
  nodeKey?: Uint8Array;
  /** A pubkey that is not a node key (a credential's should be empty). */
  otherPubkey?: Uint8Array;
  keyID?: Uint8Array;
  wrappingKey?: Uint8Array;
  /** Who must have signed this level: its keyID (direct, credential) or the wrapping key below it (rotation). */
  signer?: Uint8Array;
  signatureValid: boolean;
  /** Why it cannot verify, when that is not a bad signature (no signer, a small-order key). */
  problem?: string;
}

const nonEmpty = (b: Uint8Array | undefined): Uint8Array | undefined =>
  b === undefined || b.length === 0 ? undefined : b;

function level(decoded: DecodedNKS, s: NodeKeySignature, depth: number): NKSLevel {
  const out: NKSLevel = { depth, kind: sigKindName(s.sigKind), signatureValid: false };
  const pubkey = nonEmpty(s.pubkey);
  if (pubkey !== undefined) {
    const nodeKey = nodeKeyFromBinary(pubkey);
    if (nodeKey === undefined) out.otherPubkey = pubkey;
    else out.nodeKey = nodeKey;
  }
  if (nonEmpty(s.keyID) !== undefined) out.keyID = s.keyID!;
  if (nonEmpty(s.wrappingPubkey) !== undefined) out.wrappingKey = s.wrappingPubkey!;
  const signature = s.signature ?? new Uint8Array(0);
  const signer =
    s.sigKind === SigKind.Direct || s.sigKind === SigKind.Credential
      ? out.keyID
      : s.sigKind === SigKind.Rotation && s.nested !== undefined
        ? wrappingPublicKey(s.nested)
        : undefined;
  if (signer !== undefined) out.signer = signer;
  if (s.sigKind !== SigKind.Direct && s.sigKind !== SigKind.Credential && s.sigKind !== SigKind.Rotation) {
    out.problem = `unknown signature kind ${s.sigKind}`;
  } else if (signer === undefined) {
    out.problem =
      s.sigKind === SigKind.Rotation
        ? 'the level below names no wrapping key to verify it with'
        : 'it names no signing key (keyID)';
  } else if (s.sigKind === SigKind.Rotation) {
    if (isSmallOrderPublicKey(signer))
      out.problem = 'the wrapping key is a small-order point, for which anyone can forge signatures';
    else out.signatureValid = verifyStandard(signer, decoded.sigHash(depth), signature);
  } else {
    out.signatureValid = verifyZip215StrictR(signer, decoded.sigHash(depth), signature);
  }
  return out;
}

/** Decodes a node-key signature and takes it apart; a usage error (status 2) when it does not decode. */
export function nksLevels(bytes: Uint8Array, what: string): { nks: NodeKeySignature; levels: NKSLevel[] } {
  let decoded: DecodedNKS;
  try {
    decoded = decodeNodeKeySignatureForVerify(bytes);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(`${what} is not a node-key signature: ${e.message}`, { cause: e });
  }
  const levels: NKSLevel[] = [];
  let depth = 0;
  for (let s: NodeKeySignature | undefined = decoded.nks; s !== undefined; s = s.nested) {
    levels.push(level(decoded, s, depth++));
  }
  return { nks: decoded.nks, levels };
}

/** What the local authority says of a signature. */
export interface NKSVerdict {
  head: string;
  /** The key the chain ends in (innermost direct or credential), and whether it is trusted. */
  authorizingKey?: Uint8Array;
  keyTrusted: boolean;
  /** For a signature over a node key: whether it authorises that key now. */
  authorized?: boolean;
  code?: string;
  reason?: string;
}

/** Checks a signature against the authority, as a node would (a credential only as far as it can be). */
export function nksVerdict(
  local: LocalAuthority,
  nks: NodeKeySignature,
  levels: NKSLevel[],
  bytes: Uint8Array,
): NKSVerdict {
  const innermost = levels[levels.length - 1]!;
  const authorizingKey =
    innermost.kind === 'direct' || innermost.kind === 'credential' ? innermost.keyID : undefined;
  const verdict: NKSVerdict = {
    head: local.authority.head,
    keyTrusted: authorizingKey !== undefined && local.authority.keyTrusted(authorizingKey),
  };
  if (authorizingKey !== undefined) verdict.authorizingKey = authorizingKey;
  const nodeKey = levels[0]!.nodeKey;
  if (nks.sigKind === SigKind.Credential || nodeKey === undefined) return verdict;
  try {
    local.authority.nodeKeyAuthorized(nodeKey, bytes);
    verdict.authorized = true;
  } catch (e) {
    if (!isTlockError(e)) throw e;
    Object.assign(verdict, { authorized: false, code: e.code, reason: e.message });
  }
  return verdict;
}

const describeKey = (b: Uint8Array): string =>
  b.length === 32 ? tlpubText(b) : `${b.length} bytes: ${toHex(b)}`;

/** The levels as text, one block each. */
export function levelLines(levels: NKSLevel[], indent = ''): string[] {
  return levels.flatMap((l) => {
    const lines = [`${indent}Level ${l.depth}: ${l.kind}${l.depth === 0 ? '' : ' (nested)'}`];
    const field = (name: string, value: string): void =>
      void lines.push(`${indent}  ${name.padEnd(14)}${value}`);
    if (l.nodeKey !== undefined) field('Node key:', formatNodeKey(l.nodeKey));
    if (l.otherPubkey !== undefined) field('Pubkey:', `${toHex(l.otherPubkey)} (not a node key)`);
    if (l.keyID !== undefined) field('Key ID:', describeKey(l.keyID));
    if (l.wrappingKey !== undefined)
      field('Wrapping key:', `${describeKey(l.wrappingKey)} (may sign a rotation of it)`);
    const signer = l.signer === undefined ? 'nobody' : describeKey(l.signer);
    const how = l.kind === 'rotation' ? ' (the wrapping key of the level below)' : '';
    const valid = l.problem ?? (l.signatureValid ? 'signature valid' : 'signature does NOT verify');
    field('Signed by:', `${signer}${how}: ${valid}`);
    return lines;
  });
}

/** One level in --json output. */
export function levelJSON(l: NKSLevel): Record<string, unknown> {
  return {
    Depth: l.depth,
    SigKind: l.kind,
    NodeKey: l.nodeKey === undefined ? undefined : formatNodeKey(l.nodeKey),
    Pubkey: l.otherPubkey === undefined ? undefined : toHex(l.otherPubkey),
    KeyID: l.keyID === undefined ? undefined : describeKey(l.keyID),
    WrappingPublicKey: l.wrappingKey === undefined ? undefined : describeKey(l.wrappingKey),
    SignedBy: l.signer === undefined ? undefined : describeKey(l.signer),
    SignatureValid: l.signatureValid,
    Problem: l.problem,
  };
}

/** The verdict in --json output. */
export function verdictJSON(v: NKSVerdict): Record<string, unknown> {
  return {
    Head: v.head,
    AuthorizingKey: v.authorizingKey === undefined ? undefined : describeKey(v.authorizingKey),
    KeyTrusted: v.keyTrusted,
    Authorized: v.authorized,
    Code: v.code,
    Reason: v.reason,
  };
}
