import { type AffectedNode, affectedNodes } from '../src/control/affected-nodes.js';
import { isTlockError } from '../src/errors.js';
import { toHex } from '../src/wire/bytes.js';
import { CliError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import type { LocalAuthority } from './local-authority.js';
import type { ServerConnection } from './server-connection.js';
import { tlpubText } from './tslockjsonv1.js';

export { resignNodes } from '../src/control/affected-nodes.js';

/*
 * Keeping nodes in when trusted keys go (`remove --re-sign`, `prune-preauth --server`), as
 * Tailscale's `lock remove` does: the server lists the node-key signatures each key made
 * (affected-sigs), each is checked against the current state, and this machine's key signs each
 * node anew (a Direct signature keeping the node's rotation key, which for a node that joined with
 * a pre-signed auth key is none: `affectedNodes` never reports the auth key's one-time key) before
 * the keys are removed.
 */

/** The nodes whose signatures `keys` made, by the server's account, each checked; one entry per node key. */
export async function nodesSignedBy(
  conn: ServerConnection,
  local: LocalAuthority,
  keys: readonly Uint8Array[],
): Promise<AffectedNode[]> {
  const byNodeKey = new Map<string, AffectedNode>();
  for (const key of keys) {
    let nodes: AffectedNode[];
    try {
      nodes = await affectedNodes(conn.client, key, local.authority.state);
    } catch (e) {
      if (!isTlockError(e) || e.code === 'NETWORK' || e.code === 'SERVER_REFUSED') throw e;
      throw new CliError(
        EXIT.REFUSED,
        e.code,
        `${conn.url} listed a signature for ${tlpubText(key)} that does not hold up (${e.message}); the server is broken or hostile: nothing was changed`,
        { cause: e },
      );
    }
    for (const n of nodes) byNodeKey.set(toHex(n.nodeKey), n);
  }
  return [...byNodeKey.values()];
}
