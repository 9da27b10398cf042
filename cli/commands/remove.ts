import { bytesEqual } from '../../src/wire/bytes.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { confirm } from '../confirmation.js';
import { reportUpdates, requireTrustedSigner, signAndStore } from '../authority-update.js';
import { parseKeyArguments } from '../key-arguments.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import { requireLocalAuthority } from '../local-authority.js';
import { shellCommand } from '../shell-quote.js';
import { tlpubText } from '../tslockjsonv1.js';

export default defineCommand({
  name: 'remove',
  usage: '[--yes] <tlpub>…',
  description: [
    'Removes every key given in one update signed by this machine’s key. Nodes signed only by a',
    'removed key lose access at their next netmap. It refuses to remove the last trusted key',
    '(use "tlock disable" to turn Tailnet Lock off). Asks on a terminal; --yes skips the question,',
    'and without a terminal --yes is required.',
  ].join('\n'),
  options: { yes: { type: 'boolean', short: 'y', describe: 'go ahead without asking' }, ...KEY_OPTION },
  positionals: { min: 1 },
  examples: ['tlock remove tlpub:2c5f…', 'tlock remove --yes tlpub:2c5f… tlpub:9a01…'],
  async run({ options, args, argv, out, stateDir }) {
    const keys = parseKeyArguments(args);
    if (keys.some((k) => k.votes !== undefined)) throw usageError('remove takes keys without ?votes');
    const signer = await loadSigningKey(stateDir, options.key);
    const local = await requireLocalAuthority(stateDir);
    requireTrustedSigner(local, signer, 'remove keys');
    const trusted = local.authority.keys();
    for (const k of keys) {
      if (!local.authority.keyTrusted(k.public))
        throw usageError(`${tlpubText(k.public)} is not a trusted key`);
    }
    if (keys.length >= trusted.length) {
      throw usageError(
        'refusing to remove every trusted key: an authority needs one; to turn Tailnet Lock off, use "tlock disable" with a disablement secret',
      );
    }
    const plan = [
      `Remove ${keys.length} trusted key${keys.length === 1 ? '' : 's'} (head ${local.authority.head}):`,
      ...keys.map((k) => ` - ${tlpubText(k.public)}`),
    ];
    if (keys.some((k) => bytesEqual(k.public, signer.publicKey))) {
      plan.push(
        "This includes this machine's own key: it will not be able to change the authority afterwards.",
      );
    }
    if (!options.yes) out.note(...plan);
    await confirm({
      question: 'Remove these keys?',
      flag: '--yes',
      given: options.yes,
      rerun: shellCommand(['tlock', 'remove', '--yes', ...argv]),
    });
    const aums = await signAndStore(local, signer, 'remove keys', (b) => {
      for (const k of keys) b.removeKey(k.public);
    });
    reportUpdates(
      out,
      local,
      aums,
      keys.map((k) => `Removed ${tlpubText(k.public)}.`),
    );
  },
});
