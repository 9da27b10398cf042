import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/store/atomic-file.js';
import { errnoCode } from '../src/store/io-error.js';

/*
 * `<state dir>/lock-record.json`: what this state directory has been through, so that the hook can
 * fail closed. Once the directory has held an authority, a store that is missing cannot mean "no
 * Tailnet Lock here": it means damage, and the hook answers error lines. Only `tlock disable`, with
 * a valid disablement secret, changes the record to "disabled" (and when), after which the hook
 * passes map responses through, saying so. The record lives outside `tka/`, which tailscaled's
 * layout owns, and is written atomically (mode 0600).
 *
 * Any command that creates or fetches an authority should call `recordAuthorityHeld`; the hook
 * does so whenever it opens one.
 */

export const LOCK_RECORD_FILE = 'lock-record.json';

export type LockRecord =
  /** No record: as far as tlock knows, this directory never held an authority. */
  | { readonly state: 'none' }
  /** It holds or held an authority (first recorded at `since`, at head `head`). */
  | { readonly state: 'held'; readonly head: string; readonly since: string }
  /** `tlock disable` removed the authority (at head `head`) at `at`. */
  | { readonly state: 'disabled'; readonly head: string; readonly at: string }
  /** The record cannot be read: treated as "held", so nothing passes unchecked. */
  | { readonly state: 'damaged'; readonly detail: string };

export const lockRecordPath = (stateDir: string): string => join(stateDir, LOCK_RECORD_FILE);

export async function readLockRecord(stateDir: string): Promise<LockRecord> {
  const path = lockRecordPath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { state: 'none' };
    return { state: 'damaged', detail: `cannot read ${path}: ${errnoCode(e) ?? String(e)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'damaged', detail: `${path} is not JSON` };
  }
  const r = value as Record<string, unknown> | null;
  const text2 = (k: string): boolean => typeof r?.[k] === 'string';
  if (r?.['state'] === 'held' && text2('head') && text2('since')) {
    return { state: 'held', head: r['head'] as string, since: r['since'] as string };
  }
  if (r?.['state'] === 'disabled' && text2('head') && text2('at')) {
    return { state: 'disabled', head: r['head'] as string, at: r['at'] as string };
  }
  return { state: 'damaged', detail: `${path} does not say "held" or "disabled" with a head and a time` };
}

async function write(stateDir: string, record: Record<string, string>): Promise<void> {
  await writeFileAtomic(stateDir, LOCK_RECORD_FILE, new TextEncoder().encode(JSON.stringify(record) + '\n'));
}

/**
 * Records that `stateDir` holds an authority at `head`. Leaves a "held" record as it is (it says
 * since when), and a "disabled" record of the same head: that is a `tlock disable` of this very
 * authority in progress, not a new one.
 */
export async function recordAuthorityHeld(stateDir: string, head: string, now = new Date()): Promise<void> {
  const current = await readLockRecord(stateDir);
  if (current.state === 'held') return;
  if (current.state === 'disabled' && current.head === head) return;
  await write(stateDir, { state: 'held', head, since: now.toISOString() });
}

/** Records that filtering was turned off with a valid disablement secret, for the authority at `head`. */
export async function recordDisabled(stateDir: string, head: string, now = new Date()): Promise<void> {
  await write(stateDir, { state: 'disabled', head, at: now.toISOString() });
}
