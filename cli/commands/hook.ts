import { type FSWatcher, statSync, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Authority } from '../../src/authority/authority.js';
import { TlockError, isTlockError } from '../../src/errors.js';
import type { State } from '../../src/model/state.js';
import { tkaInfoOf } from '../../src/netmap/map-response.js';
import { readMapResponseBytes } from '../../src/netmap/map-response-bytes.js';
import type { AuthorityView, Netmap } from '../../src/netmap/types.js';
import { NetmapVerifier, type ResponsePrefetch } from '../../src/netmap/verifier.js';
import type { ScannedTexts } from '../../src/netmap/claim-scanner.js';
import { VerdictPool } from '../../src/pool/verdict-pool.js';
import { FileStore } from '../../src/store/file-store.js';
import { errnoCode } from '../../src/store/io-error.js';
import { answerCarrying } from '../answer-quoting.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { HookSync, type HookSyncNote } from '../hook-sync.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  type InputLine,
  type LineWatcher,
  MAX_LINE_BYTES_LIMIT,
  errorLine,
  runLineProtocol,
} from '../line-protocol.js';
import { type LockRecord, lockRecordPath, readLockRecord, recordAuthorityHeld } from '../lock-record.js';
import type { ServerOptionValues } from '../server-connection.js';
import { SERVER_OPTIONS } from '../server-options.js';
import { ensureStateDir, storeDir } from '../state-dir.js';

const PROTOCOL = [
  'Protocol: one JSON map response (as the daemon received it from its coordination server) per',
  'line on stdin; one JSON line per input line on stdout, in order, blank lines included:',
  '  {"netmap": <the map response without unauthorised peers>,',
  '   "dropped": [{"key", "id", "name", "reason", "detail"}, ...],',
  '   "selfLockedOut": <message, or null>, "enabled": true, "head": "<hash>"}',
  'The daemon applies "netmap" as Tailscale\'s client applies a map response. A line that cannot',
  'be used gets {"error": {"code", "message"}} and the hook goes on: apply nothing from it.',
  '',
  'Fails closed: once this state directory has held an authority (<dir>/lock-record.json), a',
  'missing, unreadable or damaged store gives error lines, never an unfiltered response. Only',
  '"tlock disable" with a valid disablement secret turns filtering off; then responses pass',
  'through with "enabled": false and "disabled": {"at", "head"}. A directory that never held an',
  'authority passes them through with "enabled": false (a warning on stderr at start and at most',
  'once a minute), unless the response says the tailnet has a lock (TKAInfo.Head): then error',
  'lines, until an authority is put here. The authority is re-read when the directory changes.',
  'Start the hook before the map session, and start a new session when the hook restarts.',
  '',
  'With --server URL (the coordination server, "tlock serve" or anything speaking Tailscale\'s',
  '/machine/tka/ messages), a response whose TKAInfo.Head is not our head makes the hook sync',
  'first (within --sync-timeout), then filter; the answer then has "sync": {"server", "offered",',
  '"ok", "head", "received"} or, when the sync failed (no answer, a rollback, an AUM that does',
  'not verify), {"ok": false, "code", "message"}: the response is filtered against the local',
  'chain regardless. A failed sync for the same head is not tried again for 30 seconds.',
  'Nothing else is written to stdout; diagnostics go to stderr. Exit status 0 at the end of input',
  'or when the reader goes away.',
].join('\n');

/** Lets the verifier see whichever authority is current, so its cache survives reloads of the same head. */
class CurrentAuthority implements AuthorityView {
  authority: Authority | undefined;
  get head(): string {
    return this.authority!.head;
  }
  get state(): State {
    return this.authority!.state;
  }
}

/** Where filtering stands in this state directory. */
type Source =
  | { kind: 'authority'; authority: Authority }
  /** Never held an authority: responses pass through, with a warning. */
  | { kind: 'none' }
  /** `tlock disable` turned filtering off. */
  | { kind: 'disabled'; at: string; head: string }
  /** Cannot tell: every response gets this error. */
  | { kind: 'error'; error: TlockError };

const storageError = (message: string): Source => ({
  kind: 'error',
  error: new TlockError('STORAGE', message),
});

function missingStore(stateDir: string, record: LockRecord): Source {
  const store = storeDir(stateDir);
  switch (record.state) {
    case 'none':
      return { kind: 'none' };
    case 'disabled':
      return { kind: 'disabled', at: record.at, head: record.head };
    case 'held':
      return storageError(
        `this state directory has held an authority (head ${record.head}, since ${record.since}), but ${store} is gone: ` +
          `restore it (a backup, or a copy from another node); to stop filtering on purpose, run "tlock disable" with a disablement secret`,
      );
    case 'damaged':
      return storageError(
        `${store} is missing and ${record.detail}, so whether this directory held an authority cannot be told`,
      );
  }
}

/** Reads the state directory; whatever cannot be read is an error, never "no authority". */
async function loadSource(stateDir: string, warn: (m: string) => void): Promise<Source> {
  const record = await readLockRecord(stateDir);
  const store = storeDir(stateDir);
  try {
    const s = await stat(store);
    if (!s.isDirectory()) return storageError(`${store} is not a directory`);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return missingStore(stateDir, record);
    return storageError(`cannot read ${store}: ${errnoCode(e) ?? String(e)}`);
  }
  let authority: Authority;
  try {
    const fileStore = await FileStore.open(store);
    if ((await fileStore.heads()).length === 0) {
      return storageError(
        `${store} holds no AUMs (were they deleted?): restore them, or remove the empty directory if this node should not filter`,
      );
    }
    authority = await Authority.open(fileStore);
  } catch (e) {
    const why = isTlockError(e) ? e.message : String(e);
    if (record.state === 'disabled') {
      return storageError(
        `${why} (a "tlock disable" at ${record.at} may not have finished: removing ${store} completes it)`,
      );
    }
    return storageError(`cannot read the authority: ${why}`);
  }
  try {
    await recordAuthorityHeld(stateDir, authority.head);
  } catch (e) {
    warn(
      `cannot write ${lockRecordPath(stateDir)} (${isTlockError(e) ? e.message : String(e)}): if ${store} is lost, this hook cannot tell it ever held an authority`,
    );
  }
  return { kind: 'authority', authority };
}

/** A note that repeats at most once per interval while it is due (a hook must not go silent). */
export class PeriodicNote {
  #last = -Infinity;
  constructor(
    readonly intervalMs: number,
    readonly now: () => number = Date.now,
  ) {}

  /** Whether to say it now (and, if so, counts it as said). */
  due(): boolean {
    const t = this.now();
    if (t - this.#last < this.intervalMs) return false;
    this.#last = t;
    return true;
  }
}

const NOTE_INTERVAL_MS = 60_000;
/** The longest the first map response waits for the hook's warm-up (it takes well under a second). */
const WARM_UP_WAIT_MS = 3_000;

function hasPeers(resp: Netmap): boolean {
  return ['Peers', 'PeersChanged', 'PeersChangedPatch'].some((f) =>
    Object.keys(resp).some(
      (k) => k.toLowerCase() === f.toLowerCase() && Array.isArray(resp[k]) && resp[k].length > 0,
    ),
  );
}

interface HookOptions {
  workers: number;
  maxLineBytes: number;
  server: ServerOptionValues;
  syncTimeoutMs: number;
}

async function runHook(stateDir: string, options: HookOptions, note: (m: string) => void): Promise<void> {
  const log = (m: string): void => note(`tlock hook: ${m}`);
  try {
    await ensureStateDir(stateDir);
  } catch (e) {
    log(isTlockError(e) ? e.message : String(e)); // and every line gets an error until it can be read
  }
  let dirty = true;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(stateDir, { recursive: true, persistent: false }, () => {
      dirty = true;
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined; // fall back to re-reading before every line
    });
  } catch {
    log('cannot watch the state directory; the authority will be re-read for every line');
  }

  const wantsServer = options.server.server !== undefined || options.server['node-key'] !== undefined;
  const sync = wantsServer ? await HookSync.open(stateDir, options.server, options.syncTimeoutMs) : undefined;
  const current = new CurrentAuthority();
  const pool = options.workers > 0 ? new VerdictPool({ size: options.workers }) : undefined;
  // Spawned and compiled while the daemon opens its map session, not on its first response.
  void pool?.warm().catch(() => {});
  const verifier = new NetmapVerifier(current, pool === undefined ? {} : { batcher: pool });
  let source: Source = { kind: 'none' };
  const unfiltered = new PeriodicNote(NOTE_INTERVAL_MS);
  /** The last TKAInfo of the session (to Go, a response without one changes nothing). */
  let tkaInfo: { head: string; disabled: boolean } | undefined;

  const describe = (s: Source): string =>
    s.kind === 'authority' ? `authority at head ${s.authority.head}` : s.kind;
  const reload = async (): Promise<void> => {
    const before = describe(source);
    source = await loadSource(stateDir, log);
    current.authority = source.kind === 'authority' ? source.authority : undefined;
    const after = describe(source);
    if (source.kind === 'error')
      log(`${source.error.message} (every map response gets an error until this is fixed)`);
    else if (before !== after) {
      if (source.kind === 'authority') log(after);
      else if (source.kind === 'disabled') log(`filtering was disabled with "tlock disable" at ${source.at}`);
    }
  };

  // Besides the watcher (which may report late), a write through any FileStore takes its lock
  // file in the store's top directory, which changes that directory's mtime: one stat per line.
  let stamp = '';
  const stampNow = (): string =>
    [storeDir(stateDir), lockRecordPath(stateDir)]
      .map((p) => {
        try {
          const s = statSync(p);
          return `${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
        } catch (e) {
          return errnoCode(e) ?? 'error';
        }
      })
      .join('|');

  const passThrough = (resp: Netmap, line: InputLine, extra: object): unknown => {
    try {
      verifier.passedUnfiltered(resp);
    } catch (e) {
      if (isTlockError(e)) return errorLine(e.code, e.message);
      throw e;
    }
    return answerCarrying(resp, resp, line, { dropped: [], selfLockedOut: null, enabled: false, ...extra });
  };

  /** With --server: syncs when the server names another head (then re-reads the store). */
  const syncFirst = async (): Promise<HookSyncNote | undefined> => {
    if (sync === undefined || source.kind !== 'authority' || tkaInfo === undefined || tkaInfo.disabled)
      return undefined;
    const before = source.authority.head;
    const note = await sync.syncFor(tkaInfo.head, before);
    if (note?.ok === true && note.head !== before) {
      stamp = stampNow();
      dirty = false;
      await reload();
    }
    return note;
  };

  /** The warm-up of the hook's own path, which the first response waits for. */
  let warming: Promise<void> | undefined;

  const handle = async (value: unknown, line: InputLine): Promise<unknown> => {
    try {
      await warming;
      warming = undefined;
      const now = stampNow();
      if (dirty || watcher === undefined || now !== stamp) {
        dirty = false;
        stamp = now;
        await reload();
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return errorLine('DECODE', 'expected a JSON object (a map response)');
      }
      const resp = value as Netmap;
      tkaInfo = tkaInfoOf(resp) ?? tkaInfo;
      const synced = await syncFirst();
      switch (source.kind) {
        case 'error':
          return errorLine(source.error.code, source.error.message);
        case 'disabled':
          if (hasPeers(resp) && unfiltered.due()) {
            log(`filtering is disabled (tlock disable, at ${source.at}): peers pass unchecked`);
          }
          return passThrough(resp, line, { disabled: { at: source.at, head: source.head } });
        case 'none':
          if (tkaInfo !== undefined && tkaInfo.head !== '' && !tkaInfo.disabled) {
            return errorLine(
              'NOT_FOUND',
              `the tailnet has Tailnet Lock (TKAInfo.Head ${tkaInfo.head}) but ${storeDir(stateDir)} holds no authority, so no peer can be checked: ` +
                `put this tailnet's authority there (copy the tka directory of a node or admin that has it), then send the map response again`,
            );
          }
          if (hasPeers(resp) && unfiltered.due()) {
            log(
              `no authority in ${storeDir(stateDir)}: peers pass unchecked ("tlock init" enables Tailnet Lock)`,
            );
          }
          return passThrough(resp, line, {});
        case 'authority': {
          const verdict = await verifier.filterAsync(resp);
          return answerCarrying(verdict.netmap, resp, line, {
            dropped: verdict.dropped,
            selfLockedOut: verdict.selfLockedOut ?? null,
            enabled: true,
            head: source.authority.head,
            ...(synced === undefined ? {} : { sync: synced }),
          });
        }
      }
    } catch (e) {
      if (isTlockError(e)) return errorLine(e.code, e.message);
      return errorLine('INTERNAL', `unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  /** Signature checks started while a line arrives (NetmapVerifier.prefetch): only a head start. */
  let prefetch: ResponsePrefetch | undefined;
  /** What the scan of the line just read cut from it, for reading the line. */
  let scanned: ScannedTexts | undefined;
  const lineWatcher: LineWatcher = {
    piece: (bytes) => {
      if (prefetch === undefined && source.kind === 'authority') {
        try {
          prefetch = verifier.prefetch();
        } catch {
          // The line is checked as usual when it is handled.
        }
      }
      prefetch?.push(bytes);
    },
    end: () => {
      prefetch?.arrived();
      scanned = prefetch?.texts;
      prefetch = undefined;
    },
  };

  try {
    await reload();
    stamp = stampNow();
    dirty = false;
    // Compiled while the daemon opens its map session, like the pool; a failure only loses the head start.
    // Loaded here, not at the top: signing the made-up peers needs modules `hook --help` does not.
    if (current.authority !== undefined) {
      const warmUp = import('../hook-warm-up.js').then((m) => m.warmHookPath(pool)).catch(() => {});
      // A warm-up that never ends must not keep the first response waiting: it waits WARM_UP_WAIT_MS at most.
      warming = Promise.race([
        warmUp,
        new Promise<void>((resolve) => setTimeout(resolve, WARM_UP_WAIT_MS).unref()),
      ]);
    }
    if (source.kind === 'none' && unfiltered.due()) {
      log(
        `no authority in ${storeDir(stateDir)}: map responses pass through unchecked ("tlock init" enables Tailnet Lock)`,
      );
    }
    await runLineProtocol(process.stdin, process.stdout, handle, {
      maxLineBytes: options.maxLineBytes,
      unwritable: () => verifier.forgetLast(),
      watcher: lineWatcher,
      readBytes: (bytes) => {
        const texts = scanned;
        scanned = undefined;
        return readMapResponseBytes(bytes, texts);
      },
      // The verifier reads the peers of the last full list from the line they came in.
      inUse: (memory) => verifier.holdsMemory(memory),
    });
  } finally {
    watcher?.close();
    sync?.close();
    await pool?.close();
  }
}

const defaultWorkers = availableParallelism() > 1 ? Math.min(availableParallelism(), 4) : 0;

export default defineCommand({
  name: 'hook',
  usage: '[--workers N] [--max-line-bytes N] [--server URL [--sync-timeout MS]]',
  description: PROTOCOL,
  options: {
    workers: {
      type: 'integer',
      placeholder: 'N',
      default: defaultWorkers,
      min: 0,
      max: 64,
      describe: 'worker threads for large map responses (0: check in the main thread only)',
    },
    'max-line-bytes': {
      type: 'integer',
      placeholder: 'N',
      default: DEFAULT_MAX_LINE_BYTES,
      min: 1,
      max: MAX_LINE_BYTES_LIMIT,
      describe: 'the longest line read; a longer one is skipped and answered with an error',
    },
    ...SERVER_OPTIONS,
    'sync-timeout': {
      type: 'integer',
      placeholder: 'MS',
      default: 5000,
      min: 100,
      max: 600_000,
      describe: 'with --server: the longest a sync before filtering may take, in milliseconds',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'tlock hook --dir /var/lib/tlock < map-responses.jsonl',
    'tlock hook --dir /var/lib/tlock --server http://control.example:8080 --sync-timeout 3000',
  ],
  async run({ options, argv, out, stateDir }) {
    if (argv.some((a, i) => a === '--dir=' || (a === '--dir' && argv[i + 1] === ''))) {
      throw usageError('--dir needs a path');
    }
    const hookOptions: HookOptions = {
      workers: options.workers,
      maxLineBytes: options['max-line-bytes'],
      server: { server: options.server, 'node-key': options['node-key'] },
      syncTimeoutMs: options['sync-timeout'],
    };
    await runHook(stateDir, hookOptions, (m) => out.note(m));
  },
});
