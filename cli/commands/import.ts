import { Authority } from '../../src/authority/authority.js';
import { isTlockError } from '../../src/errors.js';
import { AUMKind, aumKindName, aumParent } from '../../src/model/aum.js';
import { FileStore } from '../../src/store/file-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { uninterrupted } from '../interrupt.js';
import { type LocalAuthority, openLocalAuthority } from '../local-authority.js';
import { type DocumentAUM, readLogDocument } from '../log-document.js';
import { readArgument, readInputFile } from '../secret-input.js';
import { ensureStateDir, storeDir } from '../state-dir.js';

/**
 * An AUM of the document that the authority refuses: status 1, and the store as it was. The
 * authority numbers the AUMs of the batch it was given (`update N`); the message names the AUM.
 */
function refused(e: unknown, batch: readonly DocumentAUM[]): never {
  if (!isTlockError(e) || e.code === 'STORAGE') throw e;
  const message = e.message.replace(/^update (\d+) /, (whole, n: string) => {
    const aum = batch[Number(n)];
    return aum === undefined ? whole : `AUM ${hashToBase32(aum.hash)} `;
  });
  throw new CliError(EXIT.REFUSED, e.code, `nothing was imported: ${message}`, { cause: e });
}

interface ImportResult {
  imported: number;
  alreadyStored: number;
  previousHead: string | undefined;
  head: string;
}

/**
 * A directory without an authority starts one from the document's oldest AUM (a checkpoint),
 * trusting it as `tlock sync` trusts a server's genesis. Everything is verified in memory first,
 * then written in one commit.
 */
async function startAuthority(stateDir: string, aums: DocumentAUM[]): Promise<ImportResult> {
  const [first, ...rest] = aums;
  if (first!.aum.messageKind !== AUMKind.Checkpoint || aumParent(first!.aum) !== undefined) {
    const what = aumParent(first!.aum) === undefined ? aumKindName(first!.aum.messageKind) : 'child AUM';
    throw new CliError(
      EXIT.REFUSED,
      'REJECTED_AUM',
      `nothing was imported: the document's oldest AUM (${hashToBase32(first!.hash)}) is a ${what}, and an authority starts only from a genesis checkpoint; ` +
        'import it where the authority already holds its parent, or export the chain from its start',
    );
  }
  const memory = new MemoryStore();
  try {
    const check = await Authority.bootstrap(memory, first!.aum);
    if (rest.length > 0)
      await check.inform(
        memory,
        rest.map((a) => a.aum),
      );
  } catch (e) {
    refused(e, rest);
  }
  await ensureStateDir(stateDir);
  const store = await FileStore.open(storeDir(stateDir));
  await uninterrupted(async () => {
    await store.commit(aums.map((a) => a.aum));
    await store.setLastActiveAncestor(first!.hash);
  });
  const authority = await Authority.open(store);
  return { imported: aums.length, alreadyStored: 0, previousHead: undefined, head: authority.head };
}

/** Adds the document's AUMs after the newest one this authority already holds, all or nothing. */
async function extendAuthority(local: LocalAuthority, aums: DocumentAUM[]): Promise<ImportResult> {
  const previousHead = local.authority.head;
  let lastStored = -1;
  for (let i = aums.length - 1; i >= 0 && lastStored < 0; i--) {
    if ((await local.store.get(aums[i]!.hash)) !== undefined) lastStored = i;
  }
  const fresh = aums.slice(lastStored + 1);
  if (fresh.length > 0) {
    const parent = aumParent(fresh[0]!.aum);
    if (lastStored < 0 && (parent === undefined || (await local.store.get(parent)) === undefined)) {
      throw new CliError(
        EXIT.REFUSED,
        'NOT_FOUND',
        "nothing was imported: this authority holds none of the document's AUMs, nor the parent of its oldest one: " +
          "the document is another authority's chain, or it starts after a gap (export from an older AUM)",
      );
    }
    try {
      await uninterrupted(() =>
        local.authority.inform(
          local.store,
          fresh.map((a) => a.aum),
        ),
      );
    } catch (e) {
      refused(e, fresh);
    }
  }
  return {
    imported: fresh.length,
    alreadyStored: lastStored + 1,
    previousHead,
    head: local.authority.head,
  };
}

export default defineCommand({
  name: 'import',
  usage: '<FILE|->',
  description: [
    'Reads a tslockjsonv1 log document (newest first, as "tlock export" and "tlock log --json"',
    'write it) and checks it whole: each Hash is the hash of its Raw bytes, each AUM field says',
    'what Raw says, and the messages form one chain. Then every AUM the authority does not hold',
    'yet is verified against it (signatures by keys trusted at its parent) and stored, all or',
    'nothing: one forged or refused AUM and the store stays byte for byte as it was.',
    '',
    'In a state directory without an authority, the document must start at a genesis',
    "checkpoint, and that genesis is trusted as given (compare the head printed with another admin's",
    '"tlock status"). Status 1 when an AUM is refused, 2 when the document is malformed.',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['tlock import chain.json', 'tlock log --json --limit 10 --dir ~/admin1 | tlock import -'],
  async run({ args, out, stateDir }) {
    const arg = args[0]!;
    const source = arg === '-' ? 'stdin' : arg.startsWith('file:') ? arg.slice('file:'.length) : arg;
    const text =
      arg === '-' || arg.startsWith('file:')
        ? await readArgument(arg, 'log document')
        : await readInputFile(arg, 'log document');
    const aums = readLogDocument(text, source);
    const local = await openLocalAuthority(stateDir);
    const r = local === undefined ? await startAuthority(stateDir, aums) : await extendAuthority(local, aums);

    if (out.json) {
      out.document({
        Imported: r.imported,
        AlreadyStored: r.alreadyStored,
        PreviousHead: r.previousHead,
        Head: r.head,
      });
      return;
    }
    if (r.previousHead === undefined) {
      out.text(`Started the authority from the document: ${r.imported} AUMs.`, `Head: ${r.head}`);
      return;
    }
    if (r.imported === 0) {
      out.text(`Nothing to import: all ${r.alreadyStored} AUMs are already stored.`, `Head: ${r.head}`);
      return;
    }
    out.text(`Imported ${r.imported} AUMs (${r.alreadyStored} were already stored).`);
    if (r.head === r.previousHead) {
      out.text(`They form a branch that loses fork resolution: the head is unchanged, ${r.head}.`);
    } else {
      out.text(`Head: ${r.head} (was ${r.previousHead})`);
    }
  },
});
