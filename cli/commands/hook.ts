import { type FSWatcher, statSync, watch } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  Authority,
  FileStore,
  NetmapVerifier,
  type AuthorityView,
  type Netmap,
  type State,
  TlockError,
  VerdictPool,
} from '../../src/index.js';
import { runLineProtocol } from '../line-protocol.js';
import { ensureStateDir, resolveStateDir, storeDir, storeExists } from '../state-dir.js';

const PROTOCOL = [
  'Protocol: one JSON map response (as the daemon received it from its',
  'coordination server) per line on stdin; one JSON line per input line on',
  'stdout, in order:',
  '  {"netmap": <the map response without unauthorised peers>,',
  '   "dropped": [{"key", "id", "name", "reason", "detail"}, ...],',
  '   "selfLockedOut": <message, or null>, "enabled": true, "head": "<hash>"}',
  'With no authority in the state directory, filtering is off:',
  '  {"netmap": <unchanged>, "dropped": [], "selfLockedOut": null,',
  '   "enabled": false}',
  'A line that cannot be used gets {"error": {"code", "message"}} and the hook',
  'goes on. An authority that cannot be read gives error lines too: nothing',
  'passes unchecked. Nothing else is written to stdout; diagnostics go to',
  'stderr. The authority is re-read when the state directory changes.',
  'Exit status 0 at the end of input.',
].join('\n');

interface HookArgs {
  dir: string | undefined;
  workers: number;
}

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

type Loaded = { kind: 'none' } | { kind: 'ok'; authority: Authority } | { kind: 'error'; error: TlockError };

async function loadAuthority(stateDir: string): Promise<Loaded> {
  try {
    if (!(await storeExists(stateDir))) return { kind: 'none' };
    const store = await FileStore.open(storeDir(stateDir));
    if ((await store.heads()).length === 0) return { kind: 'none' };
    return { kind: 'ok', authority: await Authority.open(store) };
  } catch (e) {
    const error =
      e instanceof TlockError
        ? e
        : new TlockError('STORAGE', `cannot read the authority: ${String(e)}`, { cause: e });
    return { kind: 'error', error };
  }
}

function errorLine(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

export async function runHook(args: HookArgs): Promise<void> {
  const stateDir = resolveStateDir(args.dir);
  await ensureStateDir(stateDir);
  const log = (msg: string): void => void process.stderr.write(`tlock hook: ${msg}\n`);

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

  const current = new CurrentAuthority();
  const pool = args.workers > 0 ? new VerdictPool({ size: args.workers }) : undefined;
  const verifier = new NetmapVerifier(current, pool === undefined ? {} : { batcher: pool });
  let loaded: Loaded = { kind: 'none' };

  const reload = async (): Promise<void> => {
    const before = loaded.kind === 'ok' ? loaded.authority.head : loaded.kind;
    loaded = await loadAuthority(stateDir);
    current.authority = loaded.kind === 'ok' ? loaded.authority : undefined;
    const after = loaded.kind === 'ok' ? loaded.authority.head : loaded.kind;
    if (loaded.kind === 'error')
      log(`${loaded.error.message} (every map response gets an error until this is fixed)`);
    else if (before !== after)
      log(loaded.kind === 'ok' ? `authority at head ${after}` : 'no authority: filtering is off');
  };

  // Besides the watcher (which may report late), a write through any FileStore takes its lock
  // file in the store's top directory, which changes that directory's mtime: one stat per line.
  let storeStamp = '';
  const stampOfStore = (): string => {
    try {
      const s = statSync(storeDir(stateDir));
      return `${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
    } catch {
      return 'absent';
    }
  };

  const handle = async (line: string): Promise<unknown> => {
    const stamp = stampOfStore();
    if (dirty || watcher === undefined || stamp !== storeStamp) {
      dirty = false;
      storeStamp = stamp;
      await reload();
    }
    let mapResponse: unknown;
    try {
      mapResponse = JSON.parse(line);
    } catch (e) {
      return errorLine('DECODE', `the line is not JSON: ${(e as Error).message}`);
    }
    if (loaded.kind === 'error') return errorLine(loaded.error.code, loaded.error.message);
    if (loaded.kind === 'none') {
      return { netmap: mapResponse, dropped: [], selfLockedOut: null, enabled: false };
    }
    try {
      const verdict = await verifier.filterAsync(mapResponse as Netmap);
      return {
        netmap: verdict.netmap,
        dropped: verdict.dropped,
        selfLockedOut: verdict.selfLockedOut ?? null,
        enabled: true,
        head: loaded.authority.head,
      };
    } catch (e) {
      if (e instanceof TlockError) return errorLine(e.code, e.message);
      return errorLine('INTERNAL', `unexpected error: ${String(e)}`);
    }
  };

  try {
    await runLineProtocol(process.stdin, process.stdout, handle);
  } finally {
    watcher?.close();
    await pool?.close();
  }
}

export const hookCommand: CommandModule<object, HookArgs> = {
  command: 'hook',
  describe: 'Filter map responses for a node daemon (JSON lines on stdin and stdout)',
  builder: (y: Argv): Argv<HookArgs> =>
    y
      .option('dir', {
        type: 'string',
        describe: 'State directory (default: $TLOCK_DIR, $XDG_STATE_HOME/tlock, ~/.local/state/tlock)',
      })
      .option('workers', {
        type: 'number',
        default: availableParallelism() > 1 ? Math.min(availableParallelism(), 4) : 0,
        describe: 'Worker threads for large map responses (0: check in the main thread only)',
      })
      .check((a) => {
        if (!Number.isSafeInteger(a.workers) || a.workers < 0 || a.workers > 64) {
          throw new TlockError('INVALID_ARGUMENT', '--workers must be an integer from 0 to 64');
        }
        return true;
      })
      .epilogue(PROTOCOL),
  handler: (argv: ArgumentsCamelCase<HookArgs>) => runHook(argv),
};
