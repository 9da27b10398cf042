import { isTlockError } from '../../src/errors.js';
import type { AUM } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { CliError, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { confirm } from '../confirmation.js';
import { EXIT } from '../exit-codes.js';
import { uninterrupted } from '../interrupt.js';
import { parseKeyArguments } from '../key-arguments.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import { type LocalAuthority, requireLocalAuthority } from '../local-authority.js';
import type { Output } from '../output.js';
import { decodeRecoveryBlob, encodeRecoveryBlob } from '../recovery-blob.js';
import { type RecoveryPlan, planLines, planRecovery } from '../recovery-plan.js';
import { readArgument } from '../secret-input.js';
import { shellCommand } from '../shell-quote.js';
import { keyJSON, tlpubText } from '../tslockjsonv1.js';

/** The plan in --json output. */
function planJSON(plan: RecoveryPlan): Record<string, unknown> {
  return {
    Fingerprint: plan.fingerprint,
    ForkFrom: hashToBase32(plan.forkFrom),
    OnActiveChain: plan.onActiveChain,
    Dropped: plan.dropped,
    Revokes: plan.revokes.map((k) => tlpubText(k.public!)),
    Adds: plan.adds.length === 0 ? undefined : plan.adds.map((k) => tlpubText(k.public!)),
    TrustedKeysAfter: plan.keysAfter.map(keyJSON),
    Signatures: plan.signers.map((s) => ({ KeyID: tlpubText(s.keyID), Votes: s.votes })),
    Votes: plan.votes,
    VotesToBeat: plan.rival?.votes ?? 0,
    Wins: plan.wins,
  };
}

/** A library refusal to make or sign the AUM: bad input for this command (status 2). */
async function refusingInput<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (!isTlockError(e) || e.code === 'STORAGE' || e instanceof CliError) throw e;
    throw usageError(e.message, { cause: e });
  }
}

async function readBlob(arg: string, out: Output): Promise<AUM> {
  const { aum, checked } = decodeRecoveryBlob(await readArgument(arg, 'recovery blob'));
  if (!checked)
    out.warn(
      "this blob is in Tailscale's hex form, which has no checksum; its signatures are checked all the same",
    );
  return aum;
}

/** Shows the plan before a question (not with --json --yes, where nobody reads it). */
function showPlan(out: Output, plan: RecoveryPlan, local: LocalAuthority, yes: boolean): void {
  if (!(out.json && yes)) out.note(...planLines(plan, local.authority.head), '');
}

/** A signed blob for the next admin: alone on stdout (so a file of it is a blob), what to do next on stderr. */
function handOn(out: Output, plan: RecoveryPlan): void {
  const blob = encodeRecoveryBlob(plan.aum);
  if (out.json) {
    out.document({ ...planJSON(plan), Blob: blob });
    return;
  }
  out.note(
    'The recovery blob is on stdout; it holds no secret. Other admins add their signatures with',
    '  tlock revoke-keys --cosign file:recovery.txt   (the blob saved to a file, or pasted after --cosign)',
    plan.wins
      ? 'It has enough votes now; any admin applies it with  tlock revoke-keys --finish <blob>'
      : 'Once it has enough votes, any admin applies it with  tlock revoke-keys --finish <blob>',
  );
  out.text(blob);
}

async function apply(
  out: Output,
  local: LocalAuthority,
  plan: RecoveryPlan,
  yes: boolean,
  rerun: string,
): Promise<void> {
  if (plan.alreadyApplied) {
    if (out.json)
      out.document({ Recovery: hashToBase32(plan.hash), Head: local.authority.head, AlreadyApplied: true });
    else out.text(`Already applied: the recovery AUM is the head (${local.authority.head}).`);
    return;
  }
  if (!plan.onActiveChain) {
    throw new CliError(
      EXIT.REFUSED,
      'REJECTED_AUM',
      `the recovery AUM forks from ${hashToBase32(plan.forkFrom)}, which is not on the active chain: applying it would change nothing; nothing was changed`,
    );
  }
  if (!plan.wins) {
    throw new CliError(
      EXIT.REFUSED,
      'REJECTED_AUM',
      `not enough votes: the recovery AUM has ${plan.votes} at the fork point, the AUM it would replace ${plan.rival!.votes} (a tie goes to the lower hash); ` +
        'collect more signatures with "tlock revoke-keys --cosign" first; nothing was changed',
    );
  }
  showPlan(out, plan, local, yes);
  await confirm({
    question: `Apply it? The ${plan.dropped} AUM(s) after the fork point and the revoked keys are dropped wherever it syncs.`,
    flag: '--yes',
    given: yes,
    rerun,
  });
  const previousHead = local.authority.head;
  try {
    await uninterrupted(() => local.authority.inform(local.store, [plan.aum]));
  } catch (e) {
    if (!isTlockError(e) || e.code === 'STORAGE') throw e;
    throw new CliError(
      EXIT.REFUSED,
      e.code,
      `the authority refuses the recovery AUM: ${e.message}; nothing was changed`,
      {
        cause: e,
      },
    );
  }
  if (local.authority.head !== hashToBase32(plan.hash)) {
    throw new CliError(
      EXIT.IO,
      'CONFLICT',
      `the recovery AUM was stored, but the head is ${local.authority.head}: the store changed meanwhile; run "tlock log --graph" to see the branches`,
    );
  }
  const revoked = plan.revokes.map((k) => tlpubText(k.public!));
  if (out.json) {
    out.document({
      Recovery: hashToBase32(plan.hash),
      Head: local.authority.head,
      PreviousHead: previousHead,
      Revoked: revoked,
    });
    return;
  }
  out.text(
    'Recovery completed.',
    ...revoked.map((k) => `Revoked ${k}.`),
    `Head: ${local.authority.head} (was ${previousHead})`,
  );
  out.note(
    'Nodes drop the revoked keys when they receive this AUM (with "tlock export"/"tlock import", or a sync).',
  );
}

export default defineCommand({
  name: 'revoke-keys',
  usage: '[--fork-from HASH] <tlpub>… | --cosign <blob> | --finish <blob>  [--yes]',
  description: [
    'Recovers from compromised signing keys by rewriting history (retroactive revocation): a',
    'recovery checkpoint that forks the chain from before the keys were trusted (or from',
    '--fork-from HASH, base32 or hex) and holds the current state without them. It wins the fork',
    'only if its signers have more votes at the fork point than the AUM it replaces, so admins',
    'pass it around as a "recovery blob", one line of text, each adding a signature:',
    '',
    '  1. tlock revoke-keys tlpub:…            makes and signs it; prints the blob',
    '  2. tlock revoke-keys --cosign <blob>    on another admin machine: adds a signature',
    '  3. tlock revoke-keys --finish <blob>    applies it here, once it has the votes to win',
    '',
    'A blob may be given as itself, file:PATH or - (stdin); it carries a checksum, so one cut',
    'short or mangled on the way is refused with a clear message, and every signature on it is',
    'checked. Each step shows what the AUM does (fork point, revoked keys, votes) and asks on a',
    'terminal; --yes skips the question, and without a terminal --yes is required. --cosign and',
    '--finish together sign, then apply the signed AUM. The blob alone goes to stdout.',
  ].join('\n'),
  options: {
    'fork-from': {
      type: 'string',
      placeholder: 'HASH',
      describe: 'fork from this AUM (base32 or hex) instead of choosing',
    },
    cosign: {
      type: 'string',
      placeholder: 'BLOB',
      describe: "add this machine's signature to a recovery blob",
    },
    finish: {
      type: 'string',
      placeholder: 'BLOB',
      describe: 'apply a recovery blob that has the votes to win',
    },
    yes: { type: 'boolean', short: 'y', describe: 'go ahead without asking' },
    ...KEY_OPTION,
  },
  positionals: { min: 0 },
  examples: [
    'tlock revoke-keys --yes tlpub:2c5f… > recovery.txt',
    'tlock revoke-keys --cosign file:recovery.txt --yes > recovery2.txt',
    'tlock revoke-keys --finish file:recovery2.txt',
  ],
  async run({ options, args, argv, out, stateDir }) {
    const { cosign, finish, yes } = options;
    if (args.length > 0 && (cosign !== undefined || finish !== undefined)) {
      throw usageError('give either the keys to revoke, or --cosign/--finish with a blob, not both');
    }
    if (args.length === 0 && cosign === undefined && finish === undefined) {
      throw usageError(
        'give the keys to revoke (tlpub:…), or --cosign/--finish with a recovery blob; see "tlock revoke-keys --help"',
      );
    }
    if (options['fork-from'] !== undefined && args.length === 0) {
      throw usageError('--fork-from goes with the keys to revoke, when the recovery AUM is made');
    }
    if (cosign !== undefined && finish !== undefined && cosign !== finish) {
      throw usageError('--cosign and --finish together take the same blob: it is signed, then applied');
    }
    const keys = parseKeyArguments(args);
    if (keys.some((k) => k.votes !== undefined)) throw usageError('revoke-keys takes keys without ?votes');
    const rerun = shellCommand(['tlock', 'revoke-keys', '--yes', ...argv]);
    const local = await requireLocalAuthority(stateDir);

    if (finish !== undefined && cosign === undefined) {
      await apply(out, local, await planRecovery(local, await readBlob(finish, out)), yes, rerun);
      return;
    }
    const signer = await loadSigningKey(stateDir, options.key);
    const unsigned =
      cosign === undefined
        ? await refusingInput(() =>
            local.authority.makeRetroactiveRevocation(
              local.store,
              keys.map((k) => k.public),
              signer.publicKey,
              options['fork-from'],
            ),
          )
        : await readBlob(cosign, out);
    if (cosign !== undefined) await planRecovery(local, unsigned); // its signatures, before we add ours
    const signed = await refusingInput(() => local.authority.cosignRevocation(local.store, unsigned, signer));
    const plan = await planRecovery(local, signed);
    if (finish !== undefined) {
      await apply(out, local, plan, yes, rerun);
      return;
    }
    showPlan(out, plan, local, yes);
    await confirm({
      question: cosign === undefined ? 'Sign this recovery AUM?' : 'Add your signature to this recovery AUM?',
      flag: '--yes',
      given: yes,
      rerun,
    });
    handOn(out, plan);
  },
});
