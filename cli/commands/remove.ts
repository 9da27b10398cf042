import { bytesEqual } from '../../src/wire/bytes.js';
import { formatNodeKey } from '../../src/wire/keytext.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { confirm } from '../confirmation.js';
import { reportUpdates, requireTrustedSigner, signAndStore } from '../authority-update.js';
import { parseKeyArguments } from '../key-arguments.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import { SERVER_OPTIONS, connectServer, requireCurrentAuthority, withServer } from '../server-options.js';
import { shellCommand } from '../shell-quote.js';
import { tlpubText } from '../tslockjsonv1.js';

export default defineCommand({
  name: 'remove',
  usage: '[--yes] [--server URL [--re-sign]] <tlpub>…',
  description: [
    'Removes every key given in one update signed by this machine’s key. Nodes signed only by a',
    'removed key lose access at their next netmap. It refuses to remove the last trusted key',
    '(use "tlock disable" to turn Tailnet Lock off). Asks on a terminal; --yes skips the question,',
    'and without a terminal --yes is required.',
    '',
    'With --server URL it syncs first and publishes the update (as "tlock add" does). --re-sign',
    '(with --server) first asks the server which nodes the keys signed, and signs each anew with',
    "this machine's key (keeping the node's rotation key), so that no node is locked out.",
  ].join('\n'),
  options: {
    yes: { type: 'boolean', short: 'y', describe: 'go ahead without asking' },
    're-sign': {
      type: 'boolean',
      describe: 'with --server: re-sign the nodes the removed keys signed, before removing them',
    },
    ...KEY_OPTION,
    ...SERVER_OPTIONS,
  },
  positionals: { min: 1 },
  examples: [
    'tlock remove tlpub:2c5f…',
    'tlock remove --yes tlpub:2c5f… tlpub:9a01…',
    'tlock remove --server http://127.0.0.1:8080 --re-sign tlpub:2c5f…',
  ],
  async run({ options, args, argv, out, stateDir }) {
    const keys = parseKeyArguments(args);
    if (keys.some((k) => k.votes !== undefined)) throw usageError('remove takes keys without ?votes');
    const reSign = options['re-sign'];
    if (reSign && options.server === undefined) {
      throw usageError(
        '--re-sign asks the coordination server which nodes the keys signed: give --server URL',
      );
    }
    const signer = await loadSigningKey(stateDir, options.key);
    const conn = await connectServer(stateDir, options);
    await withServer(conn, async () => {
      const local = await requireCurrentAuthority(stateDir, conn, out);
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
      const removesSelf = keys.some((k) => bytesEqual(k.public, signer.publicKey));
      if (reSign && removesSelf) {
        throw usageError(
          "--re-sign signs the nodes with this machine's key, which is among those removed: run it on another admin's machine",
        );
      }
      const plan = [
        `Remove ${keys.length} trusted key${keys.length === 1 ? '' : 's'} (head ${local.authority.head}):`,
        ...keys.map((k) => ` - ${tlpubText(k.public)}`),
      ];
      if (removesSelf) {
        plan.push(
          "This includes this machine's own key: it will not be able to change the authority afterwards.",
        );
      }
      const resigning = reSign ? await import('../node-resigning.js') : undefined;
      const affected =
        resigning === undefined
          ? []
          : await resigning.nodesSignedBy(
              conn!,
              local,
              keys.map((k) => k.public),
            );
      if (resigning !== undefined) {
        plan.push(
          `First re-sign, with this machine's key, the ${affected.length} node${affected.length === 1 ? '' : 's'} they signed:`,
          ...affected.map((n) => ` - ${formatNodeKey(n.nodeKey)}`),
        );
      } else if (conn !== undefined) {
        plan.push('Nodes signed by these keys lose access; --re-sign would sign them anew first.');
      }
      if (!options.yes) out.note(...plan);
      await confirm({
        question: 'Remove these keys?',
        flag: '--yes',
        given: options.yes,
        rerun: shellCommand(['tlock', 'remove', '--yes', ...argv]),
      });
      const resigned =
        resigning === undefined ? [] : await resigning.resignNodes(conn!.client, signer, affected);
      const aums = await signAndStore(
        local,
        signer,
        'remove keys',
        (b) => {
          for (const k of keys) b.removeKey(k.public);
        },
        conn,
      );
      reportUpdates(
        out,
        local,
        aums,
        [...resigned.map((n) => `Re-signed ${n}.`), ...keys.map((k) => `Removed ${tlpubText(k.public)}.`)],
        conn,
        reSign ? { Resigned: resigned } : {},
      );
    });
  },
});
