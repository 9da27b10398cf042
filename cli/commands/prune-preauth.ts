import type { SigningKey } from '../../src/crypto/ed25519.js';
import type { Key } from '../../src/model/key.js';
import { reportUpdates, requireTrustedSigner, signAndStore } from '../authority-update.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { confirm } from '../confirmation.js';
import { parseDuration } from '../duration.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import type { LocalAuthority } from '../local-authority.js';
import { isPreAuthKey, preAuthKeyCreated, rfc3339 } from '../preauth-keys.js';
import type { ServerConnection } from '../server-connection.js';
import { SERVER_OPTIONS, connectServer, requireCurrentAuthority, withServer } from '../server-options.js';
import { shellCommand } from '../shell-quote.js';
import { logMessageJSON, tlpubText } from '../tslockjsonv1.js';

/**
 * Keeping nodes in: removing a pre-auth key withdraws every node-key signature that chains to
 * it, so the nodes that joined with it must be re-signed first. Only a coordination server knows
 * which nodes those are (its affected-sigs message): offline nothing can be re-signed; with
 * `--server` each is signed anew by this machine's key and submitted before the removal.
 */
export interface NodeResigner {
  /** Re-signs the nodes that joined with these keys; says what it did, for the output. */
  resignNodesOf(keys: readonly Key[]): Promise<{ note: string; resigned: string[] }>;
}

const OFFLINE: NodeResigner = {
  resignNodesOf: () =>
    Promise.resolve({
      note: 'Nodes that joined with these keys lose access at their next netmap unless re-signed ("tlock sign nodekey"); working offline, tlock cannot list them (--server can).',
      resigned: [],
    }),
};

function serverResigner(conn: ServerConnection, local: LocalAuthority, signer: SigningKey): NodeResigner {
  return {
    async resignNodesOf(keys) {
      const m = await import('../node-resigning.js');
      const nodes = await m.nodesSignedBy(
        conn,
        local,
        keys.map((k) => k.public!),
      );
      const resigned = await m.resignNodes(conn.client, signer, nodes);
      const note =
        resigned.length === 0
          ? `No node joined with these keys, by ${conn.url}'s account.`
          : `Re-signed, with this machine's key, the ${resigned.length} node(s) that joined with them:\n${resigned.map((n) => `\t${n}`).join('\n')}`;
      return { note, resigned };
    },
  };
}

interface AgedKey {
  key: Key;
  created: Date | undefined;
}

const describe = ({ key, created }: AgedKey): string =>
  `${tlpubText(key.public ?? new Uint8Array(0))}\t${created === undefined ? 'created: unknown' : `created ${rfc3339(created)}`}`;

export default defineCommand({
  name: 'prune-preauth',
  usage: '--older-than DURATION [--yes] [--server URL]',
  description: [
    "Removes, in one update signed by this machine's key, every trusted pre-auth key (meta",
    'purpose "pre-auth key", as "tlock sign authkey" and Tailscale make them) created longer ago',
    'than DURATION (30d, 12h, 2w, 1d12h). Their age is their "created" time, or Tailscale\'s',
    '"wrapper_createtime"; keys with neither are listed and kept. Nodes that joined with a',
    'removed key lose access unless re-signed first: with --server URL the command syncs first,',
    'asks the server which nodes joined with them (affected-sigs), signs each anew with this',
    "machine's key and submits it, then publishes the removal. Asks on a terminal; --yes skips",
    'the question, and without a terminal --yes is required.',
  ].join('\n'),
  options: {
    'older-than': {
      type: 'string',
      placeholder: 'DURATION',
      describe: 'remove pre-auth keys older than this (30d, 12h, 2w)',
    },
    yes: { type: 'boolean', short: 'y', describe: 'go ahead without asking' },
    ...KEY_OPTION,
    ...SERVER_OPTIONS,
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'tlock prune-preauth --older-than 30d',
    'tlock prune-preauth --older-than 2w --yes --json',
    'tlock prune-preauth --older-than 30d --server http://127.0.0.1:8080',
  ],
  async run({ options, argv, out, stateDir }) {
    if (options['older-than'] === undefined) {
      throw usageError(
        'give --older-than DURATION (such as 30d): which pre-auth keys are old enough to remove',
      );
    }
    const maxAge = parseDuration(options['older-than'], '--older-than');
    const signer = await loadSigningKey(stateDir, options.key);
    const conn = await connectServer(stateDir, options);
    await withServer(conn, async () => {
      const local = await requireCurrentAuthority(stateDir, conn, out);
      requireTrustedSigner(local, signer, 'remove pre-auth keys');
      const now = Date.now();
      const preAuth: AgedKey[] = local.authority
        .keys()
        .filter(isPreAuthKey)
        .map((key) => ({ key, created: preAuthKeyCreated(key) }));
      const old = preAuth.filter((k) => k.created !== undefined && now - k.created.getTime() > maxAge);
      const unknown = preAuth.filter((k) => k.created === undefined);
      if (unknown.length > 0) {
        out.warn(`kept ${unknown.length} pre-auth key(s) whose creation time is not recorded:`);
        out.note(...unknown.map((k) => `\t${describe(k)}`));
      }

      if (old.length === 0) {
        if (out.json) out.document({ Removed: [], Head: local.authority.head, Updates: [] });
        else
          out.text(
            `No pre-auth key is older than ${options['older-than']} (${preAuth.length} pre-auth keys trusted).`,
          );
        return;
      }
      if (!options.yes) {
        out.note(
          `Remove ${old.length} pre-auth key(s) older than ${options['older-than']} (head ${local.authority.head}):`,
        );
        out.note(...old.map((k) => `\t${describe(k)}`));
      }
      await confirm({
        question: `Remove these ${old.length} pre-auth keys?`,
        flag: '--yes',
        given: options.yes,
        rerun: shellCommand(['tlock', 'prune-preauth', '--yes', ...argv]),
      });
      const resigner = conn === undefined ? OFFLINE : serverResigner(conn, local, signer);
      const { note, resigned } = await resigner.resignNodesOf(old.map((k) => k.key));
      const aums = await signAndStore(
        local,
        signer,
        'remove pre-auth keys',
        (b) => {
          for (const { key } of old) b.removeKey(key.public!);
        },
        conn,
      );
      if (out.json) {
        out.document({
          Removed: old.map((k) => ({ Public: tlpubText(k.key.public!), Created: rfc3339(k.created!) })),
          Head: local.authority.head,
          Updates: aums.map(logMessageJSON),
          Server: conn?.url,
          Resigned: conn === undefined ? undefined : resigned,
        });
        return;
      }
      out.note(note);
      reportUpdates(
        out,
        local,
        aums,
        [`Removed ${old.length} pre-auth key(s):`, ...old.map((k) => `\t${describe(k)}`)],
        conn,
      );
    });
  },
});
