import { isSmallOrderPublicKey } from '../../src/crypto/ed25519.js';
import type { Key } from '../../src/model/key.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { bytesEqual } from '../../src/wire/bytes.js';
import { defineCommand } from '../command.js';
import { peekPublicKey } from '../key-file.js';
import { openLocalAuthority, openLocalChain } from '../local-authority.js';
import { isPreAuthKey, keyTableWarning } from '../preauth-keys.js';
import { SERVER_OPTIONS, connectServer, withServer } from '../server-options.js';
import { SCHEMA_VERSION, keyJSON, tlpubText } from '../tslockjsonv1.js';

function warningsFor(keys: Key[]): string[] {
  const warnings: string[] = [];
  // Received AUMs may trust a small-order key (every node must agree on the chain), but anyone
  // can forge its signatures. By table: decoding 100 points would double the start-up time.
  for (const k of keys) {
    if (k.public !== null && isSmallOrderPublicKey(k.public)) {
      warnings.push(
        `trusted key ${tlpubText(k.public)} is a small-order point: anyone can forge its signatures; remove it (tlock remove)`,
      );
    }
  }
  const full = keyTableWarning(keys);
  if (full !== undefined) warnings.push(full);
  return warnings;
}

function keyTags(k: Key, self: Uint8Array | undefined): string {
  const tags: string[] = [];
  if (self !== undefined && k.public !== null && bytesEqual(k.public, self)) tags.push('(self)');
  // As Tailscale tags them, with the auth key's stable ID when the key records one.
  const stableID = k.meta?.['authkey_stableid'];
  if (isPreAuthKey(k)) tags.push(stableID === undefined ? '(pre-auth key)' : `(pre-auth key ${stableID})`);
  return tags.join('');
}

export default defineCommand({
  name: 'status',
  usage: '[--json]',
  description: [
    'Reads the authority in the state directory (checking every AUM file) and prints its head,',
    "the trusted signing keys, and this directory's own key. With --json, Tailscale's v1 status",
    'document (SchemaVersion, Enabled, PublicKey, Head, TrustedKeys, State; _WARNING when there',
    'are warnings). A directory without an authority is "NOT enabled" (status 0).',
    '',
    "With --server URL it also shows the server's head beside ours, and how they relate (in",
    'sync, the server ahead, behind, rolled back, forked), changing nothing on either side: a',
    'server that withholds new AUMs (a freeze) looks healthy to its nodes, and an admin holding',
    'those AUMs sees it here. With --json that is the "Server" field.',
  ].join('\n'),
  options: { ...SERVER_OPTIONS },
  positionals: { min: 0, max: 0 },
  examples: [
    'tlock status',
    'tlock status --json --dir /var/lib/tlock',
    'tlock status --server http://127.0.0.1:8080',
  ],
  async run({ options, out, stateDir }) {
    const conn = await connectServer(stateDir, options);
    // Offline, the chain is only read (fewer modules load); the server view needs the authority.
    const [own, local, server] = await Promise.all([
      peekPublicKey(stateDir),
      openLocalChain(stateDir),
      conn === undefined
        ? undefined
        : withServer(conn, async () => {
            const m = await import('../server-status.js');
            const view = await m.viewServer(conn, await openLocalAuthority(stateDir));
            return { json: m.serverViewJSON(view), text: m.serverViewText(view) };
          }),
    ]);
    const self = own.publicKey;
    const state = local?.position.state;
    const head = local === undefined ? undefined : hashToBase32(local.position.head);
    const keys = state?.keys ?? [];
    const warnings = [...(own.problem === undefined ? [] : [own.problem]), ...warningsFor(keys)];

    if (out.json) {
      out.document({
        SchemaVersion: SCHEMA_VERSION,
        _WARNING: warnings.length === 0 ? undefined : warnings.join('\n'),
        Enabled: local !== undefined,
        PublicKey: self === undefined ? undefined : tlpubText(self),
        Head: head,
        TrustedKeys: local === undefined ? undefined : keys.map(keyJSON),
        State: state?.stateID1 === undefined || state.stateID1 === 0n ? undefined : state.stateID1, // omitzero
        Server: server?.json,
      });
      return;
    }

    out.text(local === undefined ? 'Tailnet Lock is NOT enabled.' : 'Tailnet Lock is ENABLED.', '');
    if (head !== undefined) out.text(`Head: ${head}`, '');
    if (server !== undefined) out.text(...server.text, '');
    if (self !== undefined) out.text(`This node's tailnet-lock key: ${tlpubText(self)}`, '');
    if (local !== undefined && keys.length > 0) {
      out.text('Trusted signing keys:');
      for (const k of keys) {
        out.text(`\t${tlpubText(k.public ?? new Uint8Array(0))}\t${k.votes}\t${keyTags(k, self)}`);
      }
    }
    for (const w of warnings) out.warn(w);
  },
});
