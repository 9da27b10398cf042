import { chainReads, type StoredAUM } from '../src/authority/chain-reads.js';
import { walkBack } from '../src/authority/chain.js';
import { aumWeight, pickNext } from '../src/authority/forks.js';
import { verifyZip215 } from '../src/crypto/ed25519.js';
import { isTlockError } from '../src/errors.js';
import { MAX_CHAIN_WALK } from '../src/limits.js';
import { type AUM, aumHash, aumParent, aumSigHash } from '../src/model/aum.js';
import type { Key } from '../src/model/key.js';
import { type State, findKey } from '../src/model/state.js';
import { hashToBase32 } from '../src/wire/base32.js';
import { bytesEqual, toHex } from '../src/wire/bytes.js';
import { usageError } from './cli-error.js';
import type { LocalAuthority } from './local-authority.js';
import { tlpubText } from './tslockjsonv1.js';

/*
 * What a recovery AUM would do to this authority, for the admins who sign and apply it: where it
 * forks, which keys it drops, who signed it and with how many votes at the fork point, and whether
 * that beats the branch it replaces (docs/FORMAT.md §5.5: the most votes wins; on a tie the lower
 * hash, which changes with every signature, so a tie is a coin toss).
 */

export interface RecoveryPlan {
  aum: AUM;
  hash: Uint8Array;
  forkFrom: Uint8Array;
  /** The hash of what the signers sign (the AUM without signatures): the same for every admin. */
  fingerprint: string;
  signers: { keyID: Uint8Array; votes: number | bigint }[];
  votes: bigint;
  /** The fork point's child that the recovery AUM must beat, if it has one. */
  rival?: { hash: Uint8Array; votes: bigint };
  wins: boolean;
  /** Whether the fork point is on the active chain (else winning there changes nothing). */
  onActiveChain: boolean;
  /** Active-chain AUMs after the fork point, which the recovery leaves behind. */
  dropped: number;
  revokes: Key[];
  /** Keys the recovery trusts that the authority does not trust now (a recovery should add none). */
  adds: Key[];
  keysAfter: Key[];
  alreadyApplied: boolean;
}

const keyIn = (keys: readonly Key[], k: Key): boolean =>
  keys.some((o) => o.public !== null && k.public !== null && bytesEqual(o.public, k.public));

/** Checks every signature on the AUM against the fork point's keys, saying which one fails. */
function checkSignatures(aum: AUM, parentState: State): RecoveryPlan['signers'] {
  const sigHash = aumSigHash(aum);
  return (aum.signatures ?? []).map((s) => {
    const keyID = s.keyID ?? new Uint8Array(0);
    const key = findKey(parentState, keyID);
    if (key === undefined) {
      throw usageError(
        `the recovery AUM is signed by ${tlpubText(keyID)}, which was not trusted at its fork point: every node would refuse it; start again without that signature`,
      );
    }
    if (!verifyZip215(keyID, sigHash, s.signature ?? new Uint8Array(0))) {
      throw usageError(
        `the signature by ${tlpubText(keyID)} does not verify: the blob was changed after that admin signed it; get it again from them`,
      );
    }
    return { keyID, votes: key.votes };
  });
}

export async function planRecovery(local: LocalAuthority, aum: AUM): Promise<RecoveryPlan> {
  const forkFrom = aumParent(aum)!;
  const hash = aumHash(aum);
  let parentState: State;
  try {
    parentState = await local.authority.stateAt(local.store, forkFrom);
  } catch (e) {
    if (!isTlockError(e) || e.code === 'STORAGE') throw e;
    throw usageError(
      `the recovery AUM forks from ${hashToBase32(forkFrom)}, which this authority cannot read (${e.message}): the blob is for another authority, or this store lacks that AUM (import or sync first)`,
      { cause: e },
    );
  }
  const signers = checkSignatures(aum, parentState);
  const reads = chainReads(local.store);
  const active = await walkBack(reads, local.authority.headHash, MAX_CHAIN_WALK, toHex(forkFrom));
  const onActiveChain = active.length > 0 && bytesEqual(active[active.length - 1]!.hash, forkFrom);
  const rivals = (await reads.children(forkFrom)).filter((c) => !bytesEqual(c.hash, hash));
  const self: StoredAUM = { aum, hash };
  const rival = rivals.length === 0 ? undefined : pickNext(parentState, rivals);
  const current = local.authority.keys();
  const keysAfter = aum.state!.keys ?? [];
  const plan: RecoveryPlan = {
    aum,
    hash,
    forkFrom,
    fingerprint: hashToBase32(aumSigHash(aum)),
    signers,
    votes: aumWeight(aum, parentState),
    wins: rival === undefined || pickNext(parentState, [...rivals, self]) === self,
    onActiveChain,
    dropped: onActiveChain ? active.length - 1 : 0,
    revokes: current.filter((k) => !keyIn(keysAfter, k)),
    adds: keysAfter.filter((k) => !keyIn(current, k)),
    keysAfter,
    alreadyApplied: bytesEqual(local.authority.headHash, hash),
  };
  if (rival !== undefined) plan.rival = { hash: rival.hash, votes: aumWeight(rival.aum, parentState) };
  return plan;
}

const plural = (n: number | bigint, what: string): string => `${n} ${what}${n === 1 || n === 1n ? '' : 's'}`;

/** The plan as lines for people. */
export function planLines(plan: RecoveryPlan, head: string): string[] {
  const lines = [
    `Recovery AUM ${plan.fingerprint}`,
    '  (this fingerprint is the same for every admin who signs it: compare it by another channel)',
    `  Forks from:   ${hashToBase32(plan.forkFrom)}, ${plan.onActiveChain ? `leaving behind the ${plural(plan.dropped, 'AUM')} after it (head ${head})` : 'which is NOT on the active chain'}`,
    `  Revokes:      ${plan.revokes.length === 0 ? 'no key trusted now' : plan.revokes.map((k) => tlpubText(k.public!)).join(', ')}`,
  ];
  if (plan.adds.length > 0) {
    lines.push(
      `  WARNING: it also trusts ${plan.adds.map((k) => tlpubText(k.public!)).join(', ')}, which the authority does not trust now; a recovery should only remove keys`,
    );
  }
  lines.push(
    `  Keys after:   ${plan.keysAfter.map((k) => `${tlpubText(k.public!)} (${plural(k.votes, 'vote')})`).join(', ')}`,
    `  Signed by:    ${plan.signers.length === 0 ? 'nobody yet' : plan.signers.map((s) => `${tlpubText(s.keyID)} (${plural(s.votes, 'vote')})`).join(', ')}`,
  );
  const rival =
    plan.rival === undefined
      ? 'the fork point has no other child, so it extends the chain'
      : `the AUM it replaces has ${plural(plan.rival.votes, 'vote')}`;
  const tie = plan.rival !== undefined && plan.rival.votes === plan.votes;
  const verdict = !plan.wins
    ? `it does not win yet: it needs more than ${plural(plan.rival!.votes, 'vote')} (more signatures with --cosign)`
    : tie
      ? 'it wins, but only on the tie-break (the lower hash, which every new signature changes): one more signature makes it certain'
      : 'it wins';
  lines.push(`  Votes:        ${plan.votes} at the fork point; ${rival}: ${verdict}`);
  return lines;
}
