import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../src/store/atomic-file.js';
import { errnoCode, ioError } from '../../src/store/io-error.js';
import { fromHex } from '../../src/wire/bytes.js';
import { CliError, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { confirm } from '../confirmation.js';
import { EXIT } from '../exit-codes.js';
import { uninterrupted } from '../interrupt.js';
import { requireLocalAuthority } from '../local-authority.js';
import { lockRecordPath, readLockRecord, recordDisabled } from '../lock-record.js';
import { readArgument } from '../secret-input.js';
import { shellCommand } from '../shell-quote.js';
import { storeDir, storeExists } from '../state-dir.js';

const PREFIX = 'disablement-secret:';

/** The 32 bytes of a `disablement-secret:<hex>` text (the form `tlock init` prints). */
function parseSecret(text: string): Uint8Array {
  if (text.startsWith('disablement:')) {
    throw usageError(
      'that is a disablement value (what the authority stores), not the secret; give the disablement-secret:<HEX> that "tlock init" printed',
    );
  }
  if (!text.startsWith(PREFIX)) {
    throw usageError(`expected ${PREFIX}<64 hex digits> (as "tlock init" printed it), file:PATH or -`);
  }
  const hex = text.slice(PREFIX.length);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw usageError(`a disablement secret is ${PREFIX} followed by 64 hex digits (32 bytes)`);
  }
  return fromHex(hex.toLowerCase(), 'disablement secret');
}

export default defineCommand({
  name: 'disable',
  usage: '[--yes] <disablement-secret:HEX | file:PATH | ->',
  description: [
    'Turns Tailnet Lock filtering off in this state directory, for good: with a valid disablement',
    'secret (one that "tlock init" printed), it removes the authority (<dir>/tka) and records in',
    '<dir>/lock-record.json that filtering was disabled, and when. "tlock hook" then passes map',
    'responses through unchanged, saying so. Nothing else can turn filtering off: without that',
    'record, a missing or damaged store makes the hook answer errors. Other nodes are not',
    'touched; each needs its own "tlock disable". Give the secret as file:PATH (mode 0600) or -',
    '(stdin) to keep it out of shell history. Checking a secret takes about a second (Argon2i).',
    'Asks on a terminal; --yes skips the question, and without a terminal --yes is required.',
  ].join('\n'),
  options: { yes: { type: 'boolean', short: 'y', describe: 'go ahead without asking' } },
  positionals: { min: 1, max: 1 },
  examples: ['tlock disable file:/root/disablement-secret', 'tlock disable --yes - < secret.txt'],
  async run({ options, args, argv, out, stateDir }) {
    const secret = parseSecret(await readArgument(args[0]!, 'disablement secret', { secret: true }));
    const record = await readLockRecord(stateDir);
    if (record.state === 'disabled' && !(await storeExists(stateDir))) {
      if (out.json) out.document({ Disabled: true, Head: record.head, DisabledAt: record.at });
      else out.text(`Tailnet Lock filtering is already disabled in ${stateDir} (since ${record.at}).`);
      return;
    }
    if ((record.state === 'held' || record.state === 'damaged') && !(await storeExists(stateDir))) {
      throw usageError(
        `this state directory held an authority, but ${storeDir(stateDir)} is missing, so the secret cannot be checked against it: ` +
          `restore the store (a backup, or a copy from another node) and run this again; deleting ${lockRecordPath(stateDir)} by hand also turns filtering off`,
      );
    }
    const { authority } = await requireLocalAuthority(stateDir);
    const question = {
      question: `Remove the authority in ${storeDir(stateDir)} and stop filtering map responses here?`,
      flag: '--yes',
      given: options.yes,
      rerun: shellCommand(['tlock', 'disable', '--yes', ...argv]),
    };
    if (!options.yes && process.stdin.isTTY !== true) await confirm(question); // says what to add, before the slow check
    out.progress('Checking the disablement secret (Argon2i)...');
    if (!(await authority.validDisablement(secret))) {
      throw new CliError(EXIT.REFUSED, 'BAD_SIGNATURE', 'incorrect disablement secret; nothing was changed');
    }
    if (!options.yes) out.note(`The authority here is at head ${authority.head}.`);
    await confirm(question);
    const at = new Date();
    await uninterrupted(() => removeAuthority(stateDir, authority.head, at));
    if (out.json) {
      out.document({ Disabled: true, Head: authority.head, DisabledAt: at.toISOString() });
      return;
    }
    out.text(
      `Tailnet Lock filtering is DISABLED in ${stateDir}: the authority (head ${authority.head}) is removed.`,
      '"tlock hook" now passes map responses through unchanged. Other nodes keep filtering.',
    );
  },
});

/**
 * The record first (so that a crash leaves either the store in place, which still filters, or the
 * record saying it is disabled), then the store moved out of the way in one rename (so that the
 * hook never sees half of it), then deleted.
 */
async function removeAuthority(stateDir: string, head: string, at: Date): Promise<void> {
  await recordDisabled(stateDir, head, at);
  const store = storeDir(stateDir);
  const aside = join(stateDir, `.tka-disabled-${randomBytes(4).toString('hex')}`);
  try {
    await rename(store, aside);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw ioError('move aside', store, e);
    return;
  }
  await fsyncDir(stateDir);
  try {
    await rm(aside, { recursive: true, force: true });
  } catch (e) {
    throw new CliError(
      EXIT.IO,
      'STORAGE',
      `filtering is disabled, but the old store could not be deleted: ${String(errnoCode(e) ?? e)}; remove ${aside} by hand`,
    );
  }
}
