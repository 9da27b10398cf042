// The public API of tlock: everything a user may rely on, by name, grouped as README.md "The
// library API" presents it. Names here are stable (README.md says what that promises); anything
// not exported here is internal and may change. Keep each group in its own block, so that
// additions from parallel work merge without conflicts.

// ---- errors: every fallible call throws TlockError with a stable `code`
export { TlockError, isTlockError, type TlockErrorCode } from './errors.js';

// ---- signing keys and the texts of keys and hashes
export { type SigningKey, generateSigningKey, signingKeyFromPrivate } from './crypto/ed25519.js';
export {
  formatTLPublic,
  parseTLPublic,
  formatNLPublic,
  formatTLPrivate,
  parseTLPrivate,
  formatNodeKey,
  parseNodeKey,
  nodeKeyToBinary,
  nodeKeyFromBinary,
} from './wire/keytext.js';
export { hashToBase32, hashFromBase32 } from './wire/base32.js';
export { encodeBase64, decodeBase64 } from './wire/base64.js';

// ---- the authority: the chain of AUMs and the trusted keys at its head
export { Authority } from './authority/authority.js';
export type { UpdateBuilder } from './authority/builder.js';
export type { SyncOffer } from './authority/sync.js';
export type { CompactionOptions } from './authority/compaction.js';
export { disablementKDF } from './crypto/kdf.js';

// ---- storage of AUMs
export { type AumStore, type CompactableStore, isCompactableStore } from './authority/store.js';
export { MemoryStore } from './store/memory-store.js';
export { FileStore, type FileStoreOptions } from './store/file-store.js';
// PostgreSQL: `pg` is loaded by PostgresDatabase.connect, not by importing tlock.
export { PostgresDatabase, type PostgresDatabaseOptions } from './store/postgres-database.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
export type { PostgresTransaction } from './store/postgres-transaction.js';

// ---- node-key signatures: writing them, and checking one against a state
export { type SignNodeKeyOptions, signNodeKey } from './signing/direct.js';
export { resignNodeKey } from './signing/rotation.js';
export { type Credential, createCredential, signByCredential } from './signing/credential.js';
export { type UnwrappedAuthKey, wrapAuthKey, unwrapAuthKey } from './signing/wrapped-authkey.js';
export { type NodeKeyAuthorization, nodeKeyAuthorizedInState } from './signing/node-key-authorization.js';

// ---- netmap verification on a node
export { NetmapVerifier, type NetmapVerifierOptions, type ResponsePrefetch } from './netmap/verifier.js';
export type { Netmap, NetmapVerdict, DroppedPeer, DropReason, AuthorityView } from './netmap/types.js';
export { VerdictPool, type VerdictPoolOptions } from './pool/verdict-pool.js';

// ---- the format itself, for tools that inspect or build messages (docs/FORMAT.md)
export { type Key, KEY_KIND_ED25519, validateKey } from './model/key.js';
export type { State } from './model/state.js';
export {
  type AUM,
  type AumSignature,
  AUMKind,
  aumKindName,
  encodeAUM,
  decodeAUM,
  aumHash,
  aumSigHash,
  validateAUM,
} from './model/aum.js';
export { signAUM } from './authority/aum-signing.js';
export {
  type NodeKeySignature,
  SigKind,
  sigKindName,
  encodeNodeKeySignature,
  decodeNodeKeySignature,
  nodeKeySignatureSigHash,
} from './model/nks.js';
export { verifyZip215, verifyStandard, weakPublicKeyReason } from './crypto/ed25519.js';

// the coordination server and its client
export { ControlServer, type ControlServerOptions, DEFAULT_TAILNET } from './control/server.js';
export type {
  TailnetStore,
  TailnetStores,
  TailnetWrite,
  TailnetSettings,
  StoredSignature,
  PendingInits,
  PendingInitRecord,
} from './control/tailnet-store.js';
export { FileTailnetStores } from './control/file-tailnet-store.js';
export { PostgresTailnetStores } from './control/postgres-tailnet-store.js';
export { MemoryPendingInits } from './control/pending-inits.js';
export type { SignInfo, TKAInfo } from './control/messages.js';
export { ControlClient, type ControlClientOptions, TLOCK_CAPABILITY_VERSION } from './control/client.js';
export { ServerRefused } from './control/json-request.js';
export {
  type SyncResult,
  type SyncWithServerOptions,
  syncWithServer,
  fetchServerHead,
} from './control/sync-with-server.js';
export { type HeadMemory, FileHeadMemory, MemoryHeadMemory } from './control/head-memory.js';
export {
  type BootstrapTrust,
  type ServerChainFacts,
  type ServerChainVerdict,
  checkGenesisPin,
  judgeServerChain,
} from './control/server-chain-verdict.js';
export { bootstrapFromServer } from './control/node-bootstrap.js';
export { publishGenesis } from './control/genesis-publication.js';
export { submitChange } from './control/change-submission.js';
export { type AffectedNode, affectedNodes, resignNodes } from './control/affected-nodes.js';
export { OverlayStore } from './store/overlay-store.js';
