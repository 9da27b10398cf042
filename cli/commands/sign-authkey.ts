import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { isTlockError } from '../../src/errors.js';
import { KEY_KIND_ED25519 } from '../../src/model/key.js';
import { wrapAuthKey } from '../../src/signing/wrapped-authkey.js';
import { requireTrustedSigner, signAndStore } from '../authority-update.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import { requireLocalAuthority } from '../local-authority.js';
import { PRE_AUTH_PURPOSE, keyTableWarning, rfc3339 } from '../preauth-keys.js';
import { readArgument } from '../secret-input.js';
import { logMessageJSON, tlpubText } from '../tslockjsonv1.js';

/** The auth key, checked: one word of printable ASCII, not wrapped already. */
function checkAuthKey(text: string): string {
  if (text === '' || !/^[\x21-\x7e]+$/.test(text)) {
    throw usageError(
      'an auth key is one word of printable characters (such as tskey-auth-…); check what was pasted',
    );
  }
  if (text.includes('--TL')) {
    throw usageError('this auth key is pre-signed already (it contains "--TL"); give the plain auth key');
  }
  return text;
}

/** Tailscale's `authkey_stableid`: the text between `tskey-auth-` and the next `-`, when the key has that shape. */
function stableID(authKey: string): string | undefined {
  return /^tskey-auth-([A-Za-z0-9]+)-/.exec(authKey)?.[1];
}

export default defineCommand({
  name: 'sign authkey',
  usage: '<auth-key|file:PATH|->',
  description: [
    'Makes a pre-signed auth key: a node that joins with it signs its own node key, so it is',
    'authorised at once. tlock makes a one-time signing key, trusts it in one update signed by',
    'this machine\'s key (votes 1, meta purpose "pre-auth key", created <RFC 3339 time>), and',
    'wraps the auth key with a credential by it: <auth key>--TL<credential>-<private key>. The',
    "one-time key's private half is in the printed text and nowhere else. The result is a",
    'secret and is printed once, after the update is stored, alone on stdout.',
    '',
    'Each pre-auth key stays trusted until removed: from 400 trusted keys on this warns (512 is',
    'the most), and "tlock prune-preauth" removes old ones. Give the auth key as file:PATH or',
    "- (stdin) to keep it out of shell history. Works with any coordination server's auth keys",
    '(Headscale\'s too): only the text after "--TL" is read by the node.',
  ].join('\n'),
  options: { ...KEY_OPTION },
  positionals: { min: 1, max: 1 },
  examples: [
    'tlock sign authkey file:authkey.txt > preauth.txt',
    'tlock sign authkey - --json < authkey.txt',
  ],
  async run({ options, args, out, stateDir }) {
    const authKey = checkAuthKey(await readArgument(args[0]!, 'auth key', { secret: true }));
    const signer = await loadSigningKey(stateDir, options.key);
    const local = await requireLocalAuthority(stateDir);
    requireTrustedSigner(local, signer, 'sign an auth key');

    const oneTime = generateSigningKey();
    const created = rfc3339(new Date());
    const id = stableID(authKey);
    const meta = {
      purpose: PRE_AUTH_PURPOSE,
      created,
      ...(id === undefined ? {} : { authkey_stableid: id }),
    };
    let wrapped: string;
    let aums;
    try {
      wrapped = wrapAuthKey(authKey, oneTime);
      aums = await signAndStore(local, signer, 'trust a pre-auth key', (b) =>
        b.addKey({ kind: KEY_KIND_ED25519, votes: 1, public: oneTime.publicKey, meta }),
      );
    } catch (e) {
      if (isTlockError(e, 'LIMIT')) {
        throw usageError(
          `${e.message}; remove old pre-auth keys first ("tlock prune-preauth --older-than 30d")`,
          {
            cause: e,
          },
        );
      }
      throw e;
    } finally {
      oneTime.privateKey.fill(0); // never stored: the wrapped key carries what a node needs
    }

    const full = keyTableWarning(local.authority.keys());
    if (full !== undefined) out.warn(full);
    if (out.json) {
      out.document({
        WrappedAuthKey: wrapped,
        PreAuthKey: tlpubText(oneTime.publicKey),
        Created: created,
        Head: local.authority.head,
        Updates: aums.map(logMessageJSON),
      });
      return;
    }
    out.text(wrapped);
    out.note(
      `Trusted the pre-auth key ${tlpubText(oneTime.publicKey)} (head ${local.authority.head}).`,
      'The pre-signed auth key above is a secret, shown this once: give it to the node that joins with it.',
    );
  },
});
