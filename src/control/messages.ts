import { TlockError } from '../errors.js';
import { SYNC_OFFER_MAX_ANCESTORS, SYNC_OFFER_WALK } from '../limits.js';
import type { SyncOffer } from '../authority/sync.js';
import { encodeBase64 } from '../wire/base64.js';
import { formatNodeKey } from '../wire/keytext.js';
import { JsonFields, parseNodeID } from './json-fields.js';

/*
 * Tailscale's Tailnet Lock control messages (tailcfg/tka.go) as JSON: Go field names, byte
 * fields as standard padded base64, AUM hashes as base32 text, node keys as `nodekey:<hex>`.
 * `read…Request` is the server's side, `read…Response` the client's; both refuse malformed input
 * with DECODE, naming the field. The writers build the JSON objects the other side reads.
 */

/** What every request carries: the sender's capability version and current node key. */
export interface RequestHeader {
  version: number;
  nodeKey: Uint8Array;
}

/** A node the server wants signed when Tailnet Lock is turned on (TKASignInfo). */
export interface SignInfo {
  /** tailcfg.NodeID, as decimal text (exact for every int64). */
  nodeID: string;
  nodePublic: Uint8Array;
  /** The node's own TL key (32 bytes), to become the signature's wrapping key; may be empty. */
  rotationPubkey: Uint8Array;
}

/** A map response's TKAInfo: the server's head, or that Tailnet Lock was disabled. */
export interface TKAInfo {
  Head?: string;
  Disabled?: boolean;
}

const HEADER = ['Version', 'NodeKey'] as const;

function fields(json: unknown, what: string, names: readonly string[]): JsonFields {
  return new JsonFields(json, what, [...HEADER, ...names]);
}

function header(f: JsonFields, what: string): RequestHeader {
  if (!f.has('Version')) throw new TlockError('DECODE', `${what}.Version: missing (the capability version)`);
  return { version: f.uint('Version'), nodeKey: f.nodeKey('NodeKey') };
}

function requiredHash(f: JsonFields, name: string, what: string): string {
  if (f.string(name) === '') throw new TlockError('DECODE', `${what}.${name}: missing (a base32 AUM hash)`);
  return f.hash(name);
}

const b64 = (bytes: Uint8Array): string => encodeBase64(bytes);

/** A sync offer's ancestors: no honest side names more than SYNC_OFFER_MAX_ANCESTORS (LIMIT). */
function offerAncestors(f: JsonFields, what: string): string[] {
  const ancestors = f.hashes('Ancestors');
  if (ancestors.length > SYNC_OFFER_MAX_ANCESTORS) {
    throw new TlockError(
      'LIMIT',
      `${what}.Ancestors: ${ancestors.length} hashes; a sync offer names at most ${SYNC_OFFER_MAX_ANCESTORS} (the checkpoints among the newest ${SYNC_OFFER_WALK} AUMs and the oldest ancestor)`,
    );
  }
  return ancestors;
}

// ---- requests: read by the server --------------------------------------------------------------

export function readBootstrapRequest(json: unknown): RequestHeader & { head: string } {
  const what = 'TKABootstrapRequest';
  const f = fields(json, what, ['Head']);
  return { ...header(f, what), head: f.hash('Head', true) };
}

export function readSyncOfferRequest(json: unknown): RequestHeader & { offer: SyncOffer } {
  const what = 'TKASyncOfferRequest';
  const f = fields(json, what, ['Head', 'Ancestors']);
  return {
    ...header(f, what),
    offer: { head: requiredHash(f, 'Head', what), ancestors: offerAncestors(f, what) },
  };
}

export interface SyncSendRequest extends RequestHeader {
  head: string;
  aums: Uint8Array[];
  interactive: boolean;
}

export function readSyncSendRequest(json: unknown): SyncSendRequest {
  const what = 'TKASyncSendRequest';
  const f = fields(json, what, ['Head', 'MissingAUMs', 'Interactive']);
  return {
    ...header(f, what),
    head: f.hash('Head', true),
    aums: f.bytesList('MissingAUMs'),
    interactive: f.bool('Interactive'),
  };
}

export function readInitBeginRequest(json: unknown): RequestHeader & { genesis: Uint8Array } {
  const what = 'TKAInitBeginRequest';
  const f = fields(json, what, ['GenesisAUM']);
  return { ...header(f, what), genesis: f.requiredBytes('GenesisAUM') };
}

export interface InitFinishRequest extends RequestHeader {
  /** NodeID (decimal text) → serialized node-key signature. */
  signatures: Map<string, Uint8Array>;
  supportDisablement?: Uint8Array;
}

export function readInitFinishRequest(json: unknown): InitFinishRequest {
  const what = 'TKAInitFinishRequest';
  const f = fields(json, what, ['Signatures', 'SupportDisablement']);
  const signatures = new Map<string, Uint8Array>();
  for (const [id, value] of f.entries('Signatures')) {
    const label = `${what}.Signatures[${JSON.stringify(id)}]`;
    const sig = new JsonFields({ Signature: value }, label, ['Signature']).requiredBytes('Signature');
    signatures.set(parseNodeID(id, label), sig);
  }
  const out: InitFinishRequest = { ...header(f, what), signatures };
  const support = f.bytes('SupportDisablement');
  if (support !== undefined && support.length > 0) out.supportDisablement = support;
  return out;
}

export function readSubmitSignatureRequest(json: unknown): RequestHeader & { signature: Uint8Array } {
  const what = 'TKASubmitSignatureRequest';
  const f = fields(json, what, ['Signature']);
  return { ...header(f, what), signature: f.requiredBytes('Signature') };
}

export function readSignaturesUsingKeyRequest(json: unknown): RequestHeader & { keyID: Uint8Array } {
  const what = 'TKASignaturesUsingKeyRequest';
  const f = fields(json, what, ['KeyID']);
  return { ...header(f, what), keyID: f.requiredBytes('KeyID') };
}

export function readDisableRequest(json: unknown): RequestHeader & { head: string; secret: Uint8Array } {
  const what = 'TKADisableRequest';
  const f = fields(json, what, ['Head', 'DisablementSecret']);
  return { ...header(f, what), head: f.hash('Head', true), secret: f.requiredBytes('DisablementSecret') };
}

// ---- requests: written by the client ------------------------------------------------------------

function headerJSON(h: RequestHeader): { Version: number; NodeKey: string } {
  return { Version: h.version, NodeKey: formatNodeKey(h.nodeKey) };
}

export const requestJSON = {
  bootstrap: (h: RequestHeader, head: string) => ({ ...headerJSON(h), Head: head }),
  syncOffer: (h: RequestHeader, offer: SyncOffer) => ({
    ...headerJSON(h),
    Head: offer.head,
    Ancestors: offer.ancestors,
  }),
  syncSend: (h: RequestHeader, head: string, aums: Uint8Array[], interactive: boolean) => ({
    ...headerJSON(h),
    Head: head,
    MissingAUMs: aums.map(b64),
    Interactive: interactive,
  }),
  initBegin: (h: RequestHeader, genesis: Uint8Array) => ({ ...headerJSON(h), GenesisAUM: b64(genesis) }),
  initFinish: (h: RequestHeader, signatures: Map<string, Uint8Array>, support?: Uint8Array) => ({
    ...headerJSON(h),
    Signatures: Object.fromEntries([...signatures].map(([id, sig]) => [id, b64(sig)])),
    ...(support === undefined ? {} : { SupportDisablement: b64(support) }),
  }),
  sign: (h: RequestHeader, signature: Uint8Array) => ({ ...headerJSON(h), Signature: b64(signature) }),
  affectedSigs: (h: RequestHeader, keyID: Uint8Array) => ({ ...headerJSON(h), KeyID: b64(keyID) }),
  disable: (h: RequestHeader, head: string, secret: Uint8Array) => ({
    ...headerJSON(h),
    Head: head,
    DisablementSecret: b64(secret),
  }),
};

// ---- responses: written by the server -----------------------------------------------------------

export const responseJSON = {
  bootstrap: (genesis?: Uint8Array, disablementSecret?: Uint8Array) => ({
    ...(genesis === undefined ? {} : { GenesisAUM: b64(genesis) }),
    ...(disablementSecret === undefined ? {} : { DisablementSecret: b64(disablementSecret) }),
  }),
  /** `missingAUMs`: base64 texts already (the server budgets the response by their length). */
  syncOffer: (offer: SyncOffer, missingAUMs: string[]) => ({
    Head: offer.head,
    Ancestors: offer.ancestors,
    MissingAUMs: missingAUMs,
  }),
  syncSend: (head: string) => ({ Head: head }),
  initBegin: (need: SignInfo[]) => ({
    NeedSignatures: need.map((n) => ({
      NodeID: Number(n.nodeID),
      NodePublic: formatNodeKey(n.nodePublic),
      RotationPubkey: n.rotationPubkey.length === 0 ? null : b64(n.rotationPubkey),
    })),
  }),
  signaturesUsingKey: (signatures: Uint8Array[]) => ({ Signatures: signatures.map(b64) }),
  empty: () => ({}),
};

// ---- responses: read by the client --------------------------------------------------------------

export function readBootstrapResponse(json: unknown): {
  genesisAUM?: Uint8Array;
  disablementSecret?: Uint8Array;
} {
  const f = new JsonFields(json, 'TKABootstrapResponse', ['GenesisAUM', 'DisablementSecret']);
  const out: { genesisAUM?: Uint8Array; disablementSecret?: Uint8Array } = {};
  const genesis = f.bytes('GenesisAUM');
  if (genesis !== undefined && genesis.length > 0) out.genesisAUM = genesis;
  const secret = f.bytes('DisablementSecret');
  if (secret !== undefined && secret.length > 0) out.disablementSecret = secret;
  return out;
}

export function readSyncOfferResponse(json: unknown): SyncOffer & { missingAUMs: Uint8Array[] } {
  const what = 'TKASyncOfferResponse';
  const f = new JsonFields(json, what, ['Head', 'Ancestors', 'MissingAUMs']);
  return {
    head: requiredHash(f, 'Head', what),
    ancestors: offerAncestors(f, what),
    missingAUMs: f.bytesList('MissingAUMs'),
  };
}

export function readSyncSendResponse(json: unknown): { head: string } {
  const what = 'TKASyncSendResponse';
  const f = new JsonFields(json, what, ['Head']);
  return { head: f.hash('Head', true) };
}

export function readInitBeginResponse(json: unknown): SignInfo[] {
  const what = 'TKAInitBeginResponse';
  const f = new JsonFields(json, what, ['NeedSignatures']);
  return f.objects('NeedSignatures').map((item, i) => {
    const label = `${what}.NeedSignatures[${i}]`;
    const n = new JsonFields(item, label, ['NodeID', 'NodePublic', 'RotationPubkey']);
    if (!n.has('NodeID')) throw new TlockError('DECODE', `${label}.NodeID: missing`);
    return {
      nodeID: parseNodeID((item as Record<string, unknown>)['NodeID'], `${label}.NodeID`),
      nodePublic: n.nodeKey('NodePublic'),
      rotationPubkey: n.bytes('RotationPubkey') ?? new Uint8Array(0),
    };
  });
}

export function readSignaturesUsingKeyResponse(json: unknown): Uint8Array[] {
  return new JsonFields(json, 'TKASignaturesUsingKeyResponse', ['Signatures']).bytesList('Signatures');
}

/** Responses with no fields (init/finish, sign, disable): any JSON object. */
export function readEmptyResponse(json: unknown, what: string): void {
  new JsonFields(json, what, []);
}
