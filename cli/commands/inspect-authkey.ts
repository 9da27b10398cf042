import { randomBytes } from 'node:crypto';
import { signingKeyFromPrivate } from '../../src/crypto/ed25519.js';
import { isTlockError } from '../../src/errors.js';
import { type NodeKeySignature, encodeNodeKeySignature } from '../../src/model/nks.js';
import { signByCredential } from '../../src/signing/credential.js';
import { unwrapAuthKey } from '../../src/signing/wrapped-authkey.js';
import { bytesEqual } from '../../src/wire/bytes.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { NO_AUTHORITY_NOTE, authorityHeading } from '../inspection.js';
import { type LocalAuthority, openLocalAuthority } from '../local-authority.js';
import { levelJSON, levelLines, nksLevels } from '../nks-levels.js';
import { readArgument } from '../secret-input.js';
import { nksJSON, tlpubText } from '../tslockjsonv1.js';

/** The auth key without its secret part: `tskey-auth-<stable ID>-…`, or only its length. */
function redactedAuthKey(authKey: string): string {
  const m = /^(tskey-[a-z]+-[A-Za-z0-9]+)-/.exec(authKey);
  return m === null
    ? `(${authKey.length} characters, not shown)`
    : `${m[1]}-… (the rest is secret, not shown)`;
}

interface JoinVerdict {
  head: string;
  keyTrusted: boolean;
  meta?: Record<string, string>;
  joins: boolean;
  code?: string;
  reason?: string;
}

/**
 * Whether a node joining with this key would be authorised now: sign a throwaway node key with the
 * one-time key, exactly as the joining node will, and check that signature as peers will.
 */
function joinVerdict(
  local: LocalAuthority,
  signer: Uint8Array | undefined,
  privateKey: Uint8Array,
  credential: NodeKeySignature,
): JoinVerdict {
  const trusted = signer === undefined ? undefined : local.authority.trustedKey(signer);
  const v: JoinVerdict = { head: local.authority.head, keyTrusted: trusted !== undefined, joins: false };
  if (trusted?.meta !== undefined) v.meta = trusted.meta;
  const nodeKey = new Uint8Array(randomBytes(32));
  try {
    local.authority.nodeKeyAuthorized(nodeKey, signByCredential(privateKey, credential, nodeKey));
    v.joins = true;
  } catch (e) {
    if (!isTlockError(e)) throw e;
    Object.assign(v, { code: e.code, reason: e.message });
  }
  return v;
}

export default defineCommand({
  name: 'inspect authkey',
  usage: '<wrapped-auth-key|file:PATH|->',
  description: [
    'Takes a pre-signed auth key (<auth key>--TL<credential>-<one-time private key>, as "tlock sign',
    'authkey" prints it) apart: the credential and the key that signed it, and whether the',
    "one-time private key matches the credential's wrapping key. With an authority in the state",
    'directory, also whether a node joining with it would be authorised now (a throwaway node key',
    'is signed with it and checked, as peers will check the real one). The auth key and the',
    'private key are secrets: give the text as file:PATH (mode 0600) or on stdin, and they are',
    'never printed. Status 0 when it decodes, 2 when it is not a pre-signed auth key.',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['tlock inspect authkey file:preauth.txt', 'tlock inspect authkey - --json < preauth.txt'],
  async run({ args, out, stateDir }) {
    const text = await readArgument(args[0]!, 'pre-signed auth key', { secret: true });
    let unwrapped;
    try {
      unwrapped = unwrapAuthKey(text);
    } catch (e) {
      if (!isTlockError(e)) throw e;
      throw usageError(`not a well-formed pre-signed auth key: ${e.message}`, { cause: e });
    }
    const { authKey, credential, privateKey } = unwrapped;
    if (credential === undefined || privateKey === undefined) {
      throw usageError(
        'this auth key is not pre-signed (it has no "--TL" part): a node joining with it needs "tlock sign nodekey" afterwards',
      );
    }
    try {
      const { levels } = nksLevels(encodeNodeKeySignature(credential), 'the credential');
      const cred = levels[0]!;
      const oneTime = signingKeyFromPrivate(privateKey).publicKey;
      const matches = cred.wrappingKey !== undefined && bytesEqual(oneTime, cred.wrappingKey);
      const local = await openLocalAuthority(stateDir);
      const verdict =
        local === undefined ? undefined : joinVerdict(local, cred.keyID, privateKey, credential);

      if (out.json) {
        out.document({
          Kind: 'authkey',
          AuthKey: redactedAuthKey(authKey),
          Credential: nksJSON(credential),
          CredentialLevel: levelJSON(cred),
          OneTimePublicKey: tlpubText(oneTime),
          PrivateKeyMatchesCredential: matches,
          Authority:
            verdict === undefined
              ? undefined
              : {
                  Head: verdict.head,
                  KeyTrusted: verdict.keyTrusted,
                  KeyMeta: verdict.meta,
                  NodeWouldBeAuthorized: verdict.joins,
                  Code: verdict.code,
                  Reason: verdict.reason,
                },
        });
        return;
      }
      out.text('Pre-signed auth key', `  Auth key:      ${redactedAuthKey(authKey)}`, '', 'Credential:');
      out.text(...levelLines(levels, '  '), '');
      out.text(
        `One-time key:    ${tlpubText(oneTime)} (its private key is in the text, not shown)`,
        matches
          ? "                 matches the credential's wrapping key: a node can sign itself with it"
          : "                 does NOT match the credential's wrapping key: no node can join with this text",
        '',
      );
      if (verdict === undefined) {
        out.text(NO_AUTHORITY_NOTE);
        return;
      }
      const meta =
        verdict.meta === undefined
          ? ''
          : ` (${Object.entries(verdict.meta)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')})`;
      out.text(authorityHeading(verdict.head));
      out.text(
        `  ${cred.keyID === undefined ? 'The credential names no key' : tlpubText(cred.keyID)} is ${verdict.keyTrusted ? `trusted${meta}` : 'NOT trusted'}.`,
      );
      out.text(
        verdict.joins
          ? '  A node joining with this key would be authorised.'
          : `  A node joining with this key would be REFUSED (${verdict.code}): ${verdict.reason}`,
      );
    } finally {
      privateKey.fill(0);
    }
  },
});
