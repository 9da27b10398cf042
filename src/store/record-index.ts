import type { StoredAUM } from '../authority/store.js';
import type { AUM } from '../model/aum.js';
import { aumParent } from '../model/aum.js';
import { hashToBase32 } from '../wire/base32.js';
import { recordIsLive } from './aum-record.js';
import type { RecordFile } from './store-scan.js';

/**
 * What a FileStore knows of its directory, in memory: every AUM file by name (base32 hash),
 * purged or not, and for each parent the names of its live children, so that get, children and
 * heads never read the disk. Purged AUMs and files without an AUM are in `files` only. Each live
 * AUM is also kept as the authority reads it in place (`{aum, hash}`, made once, not per read).
 */
export class RecordIndex {
  private readonly files = new Map<string, RecordFile>();
  private readonly childNames = new Map<string, Set<string>>();
  private readonly liveAUMs = new Map<string, StoredAUM>();

  constructor(files: Iterable<[string, RecordFile]> = []) {
    for (const [name, file] of files) {
      if (this.files.has(name)) this.delete(name);
      this.add(name, file);
    }
  }

  file(name: string): RecordFile | undefined {
    return this.files.get(name);
  }

  /** The AUM with this name if it is live (stored and not purged). */
  private live(name: string): AUM | undefined {
    const record = this.files.get(name)?.record;
    return record !== undefined && recordIsLive(record) ? record.aum : undefined;
  }

  /** The live AUM with this name and its hash, as stored (in-place reads; copies are the store's to make). */
  stored(name: string): StoredAUM | undefined {
    return this.liveAUMs.get(name);
  }

  /** The live children of `name`, as stored. */
  storedChildren(name: string): StoredAUM[] {
    const out: StoredAUM[] = [];
    for (const child of this.childNames.get(name) ?? []) out.push(this.liveAUMs.get(child)!);
    return out;
  }

  liveNames(): string[] {
    return [...this.liveAUMs.keys()];
  }

  /** Live AUMs with no live child, as stored: so an AUM whose children were all purged is a head again. */
  storedHeads(): StoredAUM[] {
    const out: StoredAUM[] = [];
    for (const [name, stored] of this.liveAUMs) if (!this.childNames.get(name)?.size) out.push(stored);
    return out;
  }

  set(name: string, file: RecordFile): void {
    this.delete(name);
    this.add(name, file);
  }

  /** Indexes a file whose name is not indexed yet. */
  private add(name: string, file: RecordFile): void {
    this.files.set(name, file);
    const aum = this.live(name);
    if (aum !== undefined) this.liveAUMs.set(name, { aum, hash: file.hash });
    const parent = this.parentOf(name);
    if (parent === undefined) return;
    let siblings = this.childNames.get(parent);
    if (siblings === undefined) this.childNames.set(parent, (siblings = new Set()));
    siblings.add(name);
  }

  delete(name: string): void {
    const parent = this.parentOf(name);
    if (parent !== undefined) this.childNames.get(parent)?.delete(name);
    this.files.delete(name);
    this.liveAUMs.delete(name);
  }

  /** The parent's name of a live AUM (as Tailscale reads parents: any non-empty prevAUMHash). */
  private parentOf(name: string): string | undefined {
    const aum = this.live(name);
    const parent = aum === undefined ? undefined : aumParent(aum);
    return parent === undefined ? undefined : hashToBase32(parent);
  }
}
