import { chainReads } from '../../src/authority/chain-reads.js';
import { walkBack } from '../../src/authority/chain.js';
import { pickNext } from '../../src/authority/forks.js';
import { verifyAUM } from '../../src/authority/state-machine.js';
import { verifyZip215 } from '../../src/crypto/ed25519.js';
import { isTlockError } from '../../src/errors.js';
import { MAX_CHAIN_WALK } from '../../src/limits.js';
import {
  type AUM,
  aumHash,
  aumKindName,
  aumParent,
  aumSigHash,
  decodeAUM,
  encodeAUM,
} from '../../src/model/aum.js';
import { type State, findKey } from '../../src/model/state.js';
import { decodeAumRecord } from '../../src/store/aum-record.js';
import { hashFromBase32, hashToBase32 } from '../../src/wire/base32.js';
import { bytesEqual, toHex } from '../../src/wire/bytes.js';
import { type Artefact, readArtefact } from '../artefact-input.js';
import { aumBodyLines } from '../aum-text.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { NO_AUTHORITY_NOTE, authorityHeading } from '../inspection.js';
import { type LocalAuthority, openLocalAuthority } from '../local-authority.js';
import { aumJSON, tlpubText } from '../tslockjsonv1.js';

/** The AUM in the input: its CBOR, or a FileStore/tailscaled record file holding one. */
function decodeInput(artefact: Artefact): { aum: AUM; record: boolean } {
  try {
    return { aum: decodeAUM(artefact.bytes), record: false };
  } catch (e) {
    if (!isTlockError(e)) throw e;
    try {
      const aum = decodeAumRecord(artefact.bytes).aum;
      if (aum !== undefined) return { aum, record: true };
    } catch {
      // Not a record either: report why it is not an AUM.
    }
    throw usageError(`the input is not an AUM: ${e.message}`, { cause: e });
  }
}

interface SignatureCheck {
  keyID: Uint8Array;
  valid: boolean;
  /** Votes of the key in the state before the AUM, when that state is known and trusts it. */
  votes?: number | bigint;
}

function checkSignatures(aum: AUM, before: State | undefined): SignatureCheck[] {
  const sigHash = aumSigHash(aum);
  return (aum.signatures ?? []).map((s) => {
    const keyID = s.keyID ?? new Uint8Array(0);
    const key = before === undefined ? undefined : findKey(before, keyID);
    const check: SignatureCheck = {
      keyID,
      valid: verifyZip215(keyID, sigHash, s.signature ?? new Uint8Array(0)),
    };
    if (key !== undefined) check.votes = key.votes;
    return check;
  });
}

/** What the local authority says of the AUM. */
interface AumVerdict {
  head: string;
  verdict: 'stored' | 'accepted' | 'refused' | 'unknown-parent';
  activeChain?: boolean;
  /** For an AUM it would accept: whether it would win at its parent (and so, off the head, become it). */
  wins?: boolean;
  code?: string;
  reason?: string;
  /** The state before the AUM (its parent's), when stored here. */
  before?: State;
}

async function judge(local: LocalAuthority, aum: AUM, hash: Uint8Array): Promise<AumVerdict> {
  const head = local.authority.head;
  const reads = chainReads(local.store);
  const parent = aumParent(aum);
  const before =
    parent === undefined
      ? aum.state
      : await local.authority.stateAt(local.store, parent).catch(() => undefined);
  const v: AumVerdict = { head, verdict: 'unknown-parent' };
  if (before !== undefined) v.before = before;
  if ((await reads.get(hash)) !== undefined) {
    const oldest = toHex(hashFromBase32(local.authority.oldestAncestor));
    const active = await walkBack(reads, local.authority.headHash, MAX_CHAIN_WALK, oldest);
    return { ...v, verdict: 'stored', activeChain: active.some((s) => bytesEqual(s.hash, hash)) };
  }
  if (before === undefined) return v;
  try {
    verifyAUM(aum, before, parent === undefined ? { genesis: true } : {});
  } catch (e) {
    if (!isTlockError(e)) throw e;
    return { ...v, verdict: 'refused', code: e.code, reason: e.message };
  }
  if (parent === undefined)
    return { ...v, verdict: 'refused', code: 'REJECTED_AUM', reason: 'a genesis of another authority' };
  const self = { aum, hash };
  const siblings = await reads.children(parent);
  return { ...v, verdict: 'accepted', wins: pickNext(before, [...siblings, self]) === self };
}

function verdictLine(v: AumVerdict, parentIsHead: boolean): string {
  switch (v.verdict) {
    case 'stored':
      return v.activeChain === true
        ? 'Stored here, on the active chain.'
        : 'Stored here, on a branch that lost fork resolution.';
    case 'unknown-parent':
      return 'Its parent is not stored here, so it cannot be checked: it belongs to another authority, or this store is behind (import or sync).';
    case 'refused':
      return `It would be REFUSED (${v.code}): ${v.reason}`;
    case 'accepted':
      return parentIsHead
        ? 'It would be accepted, and would become the head.'
        : `It would be accepted, as a fork at its parent that ${v.wins === true ? 'wins' : 'loses'} fork resolution there.`;
  }
}

export default defineCommand({
  name: 'inspect aum',
  usage: '<hex|base64|file:PATH|->',
  description: [
    'Decodes one AUM (its CBOR as hex or base64, a file of it, or a store file from <dir>/tka or',
    "tailscaled's TKA directory) and explains it: kind, hash, parent, what it changes, and each",
    'signature and whether it verifies. With an authority in the state directory, also whether',
    'it is stored here (on the active chain or a losing branch) or, if not, whether the authority',
    'would accept it and where it would go. Status 0 when it decodes (the verdict is in the',
    'output), 2 when it does not.',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  examples: [
    'tlock inspect aum file:/var/lib/tlock/tka/AB/ABCD…',
    'tlock log --json | jq -r .Messages[0].Raw | tlock inspect aum - --json',
  ],
  async run({ args, out, stateDir }) {
    const artefact = await readArtefact(args[0]!, 'AUM');
    const { aum, record } = decodeInput(artefact);
    const hash = aumHash(aum);
    const parent = aumParent(aum);
    const canonical = !record && bytesEqual(encodeAUM(aum), artefact.bytes);
    const local = await openLocalAuthority(stateDir);
    const verdict = local === undefined ? undefined : await judge(local, aum, hash);
    const signatures = checkSignatures(
      aum,
      verdict?.before ?? (parent === undefined ? aum.state : undefined),
    );

    if (out.json) {
      out.document({
        Kind: 'aum',
        Hash: hashToBase32(hash),
        Size: artefact.bytes.length,
        Form: record ? 'store record' : artefact.form,
        Canonical: record ? undefined : canonical,
        AUM: aumJSON(aum),
        Signatures: signatures.map((s) => ({ KeyID: tlpubText(s.keyID), Valid: s.valid, Votes: s.votes })),
        Authority:
          verdict === undefined
            ? undefined
            : {
                Head: verdict.head,
                Verdict: verdict.verdict,
                ActiveChain: verdict.activeChain,
                WinsAtParent: verdict.wins,
                Code: verdict.code,
                Reason: verdict.reason,
              },
      });
      return;
    }
    const encoding = record
      ? 'a store record'
      : `${canonical ? 'canonical' : 'NOT canonical (the hash is over its re-encoding)'}`;
    out.text(
      `AUM: ${aumKindName(aum.messageKind)}, ${artefact.bytes.length} bytes (given as ${artefact.form}; ${encoding})`,
      `Hash:    ${hashToBase32(hash)}`,
      `Parent:  ${parent === undefined ? 'none (a genesis)' : hashToBase32(parent)}`,
      '',
      ...aumBodyLines(aum)
        .filter((l) => !l.startsWith('Signed by: '))
        .map((l) => `  ${l}`),
      '',
      signatures.length === 0 ? 'Signatures: none (every authority refuses an unsigned AUM)' : 'Signatures:',
      ...signatures.map((s) => {
        const trust =
          s.votes === undefined
            ? ''
            : `, by a key trusted before it (${s.votes} vote${s.votes === 1 ? '' : 's'})`;
        return `  ${tlpubText(s.keyID)}: ${s.valid ? 'valid' : 'does NOT verify'}${trust}`;
      }),
      '',
    );
    if (verdict === undefined) {
      out.text(NO_AUTHORITY_NOTE);
      return;
    }
    const parentIsHead = parent !== undefined && hashToBase32(parent) === verdict.head;
    out.text(authorityHeading(verdict.head), `  ${verdictLine(verdict, parentIsHead)}`);
  },
});
