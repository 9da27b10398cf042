import type { Authority } from '../../src/authority/authority.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import type { DropReason } from '../../src/netmap/types.js';
import { isTlockError } from '../../src/errors.js';
import { encodeBase64 } from '../../src/wire/base64.js';
import { formatNodeKey, parseNodeKey, parseTLPublic } from '../../src/wire/keytext.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { confirm } from '../confirmation.js';
import { requireTrustedSigner } from '../authority-update.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import { SERVER_OPTIONS, connectServer, requireCurrentAuthority, withServer } from '../server-options.js';
import { readNetmapArgument } from '../netmap-input.js';
import { readArgument } from '../secret-input.js';
import { shellCommand } from '../shell-quote.js';

/** Peers refused for these reasons become signable; obsolete and malformed entries never do. */
const SIGNABLE: ReadonlySet<DropReason> = new Set([
  'MISSING_SIGNATURE',
  'UNTRUSTED_KEY',
  'BAD_SIGNATURE',
  'WRONG_NODE_KEY',
  'MALFORMED_SIGNATURE',
  'SMALL_ORDER_WRAPPING_KEY',
]);

interface Candidate {
  nodeKey: Uint8Array;
  label: string;
}

function parseNodeKeyArgument(text: string): Uint8Array {
  try {
    return parseNodeKey(text);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(`"${text}" is not a node key: expected nodekey:<64 hex> (${e.message})`);
  }
}

/** The peers (and this node) a captured map response carries that the authority refuses. */
function refusedInNetmap(authority: Authority, netmap: Parameters<NetmapVerifier['filter']>[0]): Candidate[] {
  const verdict = new NetmapVerifier(authority).filter(netmap);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (keyText: string, label: string): void => {
    if (seen.has(keyText)) return;
    seen.add(keyText);
    out.push({ nodeKey: parseNodeKey(keyText), label });
  };
  if (verdict.selfLockedOut !== undefined) {
    const self = (netmap.Node as { Key?: unknown; Name?: unknown } | undefined) ?? {};
    if (typeof self.Key === 'string' && /^nodekey:[0-9a-fA-F]{64}$/.test(self.Key)) {
      add(
        self.Key.toLowerCase(),
        `${typeof self.Name === 'string' ? self.Name : '(this node)'}\t${self.Key.toLowerCase()}\tthis node, locked out`,
      );
    }
  }
  for (const d of verdict.dropped) {
    if (!SIGNABLE.has(d.reason) || !/^nodekey:[0-9a-f]{64}$/.test(d.key)) continue;
    add(d.key, `${d.name ?? '(no name)'}\t${d.key}\t${d.reason}`);
  }
  return out;
}

export default defineCommand({
  name: 'sign nodekey',
  usage: '<nodekey>… [--rotation <tlpub>] | --from-netmap FILE|- [--yes]',
  description: [
    "Signs node keys with this machine's key (which the authority must trust) and prints one",
    'base64 signature per node key, one per line, in argument order: what the coordination',
    "server hands out as the node's KeySignature. --rotation names the node's own TL key, which",
    "may then re-sign the node's later node keys. With --from-netmap, it signs every peer of a",
    'captured map response that the authority does not accept, after listing them and asking',
    '(--yes skips; without a terminal --yes is required); it prints "<nodekey> <signature>"',
    'lines. --json prints [{"NodeKey", "Signature"}]. Check who the peers are before you sign:',
    'a hostile server can put anyone in a map response.',
    '',
    'With --server URL it syncs with the coordination server first and submits each signature',
    "there (the server checks it and hands it out as the node's KeySignature); a signature the",
    'server refuses is status 1, naming the node key.',
  ].join('\n'),
  options: {
    rotation: {
      type: 'string',
      placeholder: 'TLPUB',
      describe: "the node's TL public key, allowed to sign its rotations",
    },
    'from-netmap': {
      type: 'string',
      placeholder: 'FILE|-',
      describe: 'sign the refused peers of this map response',
    },
    yes: { type: 'boolean', short: 'y', describe: 'with --from-netmap: sign without asking' },
    ...KEY_OPTION,
    ...SERVER_OPTIONS,
  },
  positionals: { min: 0 },
  examples: [
    'tlock sign nodekey nodekey:5b1e… nodekey:77c0…',
    'tlock sign nodekey --from-netmap captured-map.json --yes --json',
    'tlock sign nodekey --server http://127.0.0.1:8080 nodekey:5b1e…',
  ],
  async run({ options, args, argv, out, stateDir }) {
    const fromNetmap = options['from-netmap'];
    if (fromNetmap === undefined && args.length === 0) {
      throw usageError('name the node keys to sign, or give --from-netmap FILE|-');
    }
    if (fromNetmap !== undefined && args.length > 0) {
      throw usageError('give node keys or --from-netmap, not both');
    }
    const nodeKeys: Uint8Array[] = [];
    for (const a of args) nodeKeys.push(parseNodeKeyArgument(await readArgument(a, 'node key')));
    let wrappingPubkey: Uint8Array | undefined;
    if (options.rotation !== undefined) {
      try {
        wrappingPubkey = parseTLPublic(options.rotation);
      } catch (e) {
        if (!isTlockError(e)) throw e;
        throw usageError(`--rotation: expected tlpub:<64 hex> (${e.message})`);
      }
    }
    const netmap =
      fromNetmap === undefined ? undefined : await readNetmapArgument(fromNetmap, '--from-netmap');
    const signer = await loadSigningKey(stateDir, options.key);
    const conn = await connectServer(stateDir, options);
    await withServer(conn, async () => {
      const local = await requireCurrentAuthority(stateDir, conn, out);
      requireTrustedSigner(local, signer, 'sign node keys');

      let candidates: Candidate[] = nodeKeys.map((k) => ({ nodeKey: k, label: formatNodeKey(k) }));
      if (netmap !== undefined) {
        candidates = refusedInNetmap(local.authority, netmap);
        if (candidates.length === 0) {
          if (out.json) out.document([]);
          else out.note('Every peer in the map response is accepted by the authority; nothing to sign.');
          return;
        }
        if (!(out.json && options.yes)) {
          out.note(
            `${candidates.length} node${candidates.length === 1 ? '' : 's'} in the map response ${candidates.length === 1 ? 'is' : 'are'} not accepted by the authority (head ${local.authority.head}):`,
            ...candidates.map((c) => `\t${c.label}`),
          );
        }
        await confirm({
          question: `Sign ${candidates.length === 1 ? 'it' : `these ${candidates.length} nodes`}?`,
          flag: '--yes',
          given: options.yes,
          rerun: shellCommand(['tlock', 'sign', 'nodekey', '--yes', ...argv]),
        });
      }
      if (candidates.length > 100) out.progress(`Signing ${candidates.length} node keys...`);
      const opts = wrappingPubkey === undefined ? {} : { wrappingPubkey };
      const signatures = candidates.map((c) => signNodeKey(signer, c.nodeKey, opts));
      if (conn !== undefined) {
        const { submitSignatures } = await import('../server-connection.js');
        await submitSignatures(
          conn,
          signatures,
          candidates.map((c) => formatNodeKey(c.nodeKey)),
        );
        out.note(
          `Submitted ${signatures.length} signature${signatures.length === 1 ? '' : 's'} to ${conn.url}.`,
        );
      }
      const signed = candidates.map((c, i) => ({
        NodeKey: formatNodeKey(c.nodeKey),
        Signature: encodeBase64(signatures[i]!),
      }));
      if (out.json) out.document(signed);
      else if (netmap !== undefined) out.text(...signed.map((s) => `${s.NodeKey} ${s.Signature}`));
      else out.text(...signed.map((s) => s.Signature));
    });
  },
});
