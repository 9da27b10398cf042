// Every bound of the format and of tlock, in one place, with the reason for each.

/** CBOR nesting (the outermost map is level 1): Tailscale's decoder refuses deeper input. */
export const MAX_CBOR_NESTING = 16;
/** CBOR array length above which Tailscale's decoder refuses input. */
export const MAX_CBOR_ARRAY_ITEMS = 4096;
/** CBOR map size (pairs) above which Tailscale's decoder refuses input. */
export const MAX_CBOR_MAP_PAIRS = 1024;

/** Trusted keys in one state: bounds state size and verification work. */
export const MAX_KEYS = 512;
/** Disablement values in one state. */
export const MAX_DISABLEMENT_VALUES = 32;
/** Sum of len(key)+len(value) over a key's metadata, in UTF-8 bytes. */
export const MAX_META_BYTES = 512;
/** Votes one key may carry. */
export const MAX_VOTES = 4096;

/** Admin updates end with a checkpoint once the newest one is this many AUMs back. */
export const CHECKPOINT_EVERY = 50;
/** Node keys a rotation chain keeps before it is rebuilt (the CBOR nesting limit allows 16 levels). */
export const MAX_PREV_NODE_KEYS = 15;
/**
 * Steps of the sync offer's walk back from the head looking for checkpoints, and of the walk
 * looking for the peer's head among our newest AUMs (a head intersection): Tailscale's
 * maxSyncHeadIntersectionIter. Kept exact so sync answers match Tailscale's.
 */
export const SYNC_OFFER_WALK = 1000;
/**
 * The most ancestors a sync offer may name: an honest offer (ours or Tailscale's) names the
 * checkpoints among the newest SYNC_OFFER_WALK AUMs and the oldest ancestor, so never more than
 * this. A longer list is refused (LIMIT) before any of it is looked up.
 */
export const SYNC_OFFER_MAX_ANCESTORS = SYNC_OFFER_WALK + 1;

/**
 * Tailscale gives up on chains longer than 2000 AUMs; tlock walks chains of any length in
 * linear time, but a hostile store could hold millions of AUMs. This bound only stops a runaway
 * walk, and the error says that it was hit.
 */
export const MAX_CHAIN_WALK = 1_000_000;
/**
 * Reads one compaction may make: it walks the active chain back, then every kept AUM's
 * descendants, then the paths joining kept AUMs to the chain, then back to a checkpoint, so an
 * honest store of MAX_CHAIN_WALK AUMs needs at most four walks' worth.
 */
export const MAX_COMPACTION_STEPS = 4 * MAX_CHAIN_WALK;

/** Compaction defaults (Tailscale's CompactionDefaults). */
export const COMPACTION_MIN_CHAIN = 24;
export const COMPACTION_MIN_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/**
 * Largest AUM file a FileStore reads. Tailscale caps a whole sync message at 10 MiB, so no AUM
 * that can travel between nodes is larger; a bigger file is refused before it is read into memory.
 */
export const MAX_AUM_FILE_BYTES = 16 * 1024 * 1024;
/**
 * How long a FileStore write waits for another writer's lock before giving up. Writers hold the
 * lock for milliseconds; a lock held this long belongs to a hung process (or another host).
 */
export const FILE_LOCK_WAIT_MS = 15_000;
/**
 * Temp files a FileStore writes and fsyncs at once in one batch: enough to overlap the fsyncs,
 * few enough to stay far from the process's open-file limit.
 */
export const FILE_STORE_PARALLEL_WRITES = 16;
/**
 * AUM files a FileStore reads (synchronously) between yields to the event loop when it opens:
 * about 2 ms of work, so a daemon opening a large store still answers its other callers.
 */
export const FILE_STORE_READS_BETWEEN_YIELDS = 256;
/**
 * Entries in one list of a map response (Peers, PeersChanged, …) the netmap verifier accepts:
 * far above any real tailnet, it stops a hostile server from making one netmap cost minutes.
 */
export const MAX_NETMAP_PEERS = 250_000;
/** Verdicts the netmap verifier caches (for the current head): room for a large tailnet's peers. */
export const NETMAP_VERDICT_CACHE_ENTRIES = 65_536;
/**
 * Longest KeySignature text whose verdict is cached: a 16-level rotation chain is about 2.6 KB of
 * base64; longer (padded, hostile) texts are verified every time rather than held in memory.
 */
export const NETMAP_CACHE_MAX_SIGNATURE_TEXT = 8192;
/** Peers whose Key and KeySignature the verifier remembers, to check patches that change one of them. */
export const NETMAP_MAX_REMEMBERED_PEERS = MAX_NETMAP_PEERS;
/**
 * Uncached peers in one map response above which `filterAsync` hands the signature checks to
 * the worker pool: below it, posting to threads costs more than it saves.
 */
export const NETMAP_PARALLEL_MIN_PEERS = 256;

/**
 * Public keys whose OpenSSL key object, and whose "prime-order point" verdict, a verifier chain
 * keeps (src/crypto/signature-verifiers.ts): a JWK import or a point check per verification would
 * dominate it, and an authority trusts at most MAX_KEYS keys (rotation and wrapping keys add a few
 * per node). Past it the oldest entry goes, so a hostile input cannot grow the cache.
 */
export const VERIFIER_KEY_CACHE_ENTRIES = 8192;

/** Request bodies the coordination server reads, and responses its clients read (Tailscale's 1 MiB). */
export const CONTROL_BODY_LIMIT = 1024 * 1024;
/** The same for the sync messages and init/begin, which carry AUMs (Tailscale's 10 MiB). */
export const CONTROL_SYNC_BODY_LIMIT = 10 * 1024 * 1024;
/**
 * After refusing an oversize body, the server reads (and discards) this much more of it so the
 * client, still sending, reads the 413 instead of a reset connection; past it, the connection is cut.
 */
export const CONTROL_DRAIN_LIMIT = 64 * 1024 * 1024;
/** One control request, from connecting to the last byte of the answer (Tailscale's TKA RPC timeout). */
export const CONTROL_TIMEOUT_MS = 60_000;
/**
 * Between two disablement-secret checks on a server: each runs Argon2i (≈ 300 ms of CPU), so
 * unthrottled attempts would stall every other request.
 */
export const CONTROL_DISABLE_INTERVAL_MS = 500;
/**
 * Between an init/begin and its init/finish: a begin left unfinished this long no longer blocks
 * another admin's.
 */
export const CONTROL_INIT_PENDING_MS = 5 * 60_000;
/** Sync rounds one `syncWithServer` runs when the server sends its AUMs in parts (10 MiB each). */
export const CONTROL_SYNC_ROUNDS = 16;
