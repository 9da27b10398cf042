import type { BootstrapTrust } from '../../src/control/server-chain-verdict.js';
import type { SyncResult } from '../../src/control/sync-with-server.js';
import type { SigningKey } from '../../src/crypto/ed25519.js';
import { isTlockError } from '../../src/errors.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { bootstrapLocal, publishLocal } from '../genesis-exchange.js';
import { loadPin, parsePin, refuseOtherPin } from '../genesis-pin.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import { type LocalAuthority, openLocalAuthority } from '../local-authority.js';
import type { Output } from '../output.js';
import { type ServerConnection, serverHasNoChain, syncLocal } from '../server-connection.js';
import { SERVER_OPTIONS, connectServer, withServer } from '../server-options.js';

/** How this run came to share a genesis with the server, when it did. */
interface GenesisEvent {
  hash: string;
  how: 'pinned' | 'trusted on first use' | 'published';
}

/** The trust a node without a chain bootstraps on: --pin, the pin remembered here, or --tofu. */
function bootstrapTrust(
  pin: string | undefined,
  remembered: string | undefined,
  tofu: boolean,
): BootstrapTrust {
  const known = pin ?? remembered;
  if (known !== undefined) return { pin: known };
  if (tofu) return { tofu: true };
  throw usageError(
    'this directory holds no chain yet: give --pin <genesis hash> (the admin\'s "tlock sync" prints it) to start from the server\'s genesis only if it is that one, or --tofu to trust whatever genesis the server hands out',
  );
}

/** The key that publishes this chain to a server that has none: only an admin's will do. */
async function publisher(stateDir: string, keyOption: string | undefined, url: string): Promise<SigningKey> {
  try {
    return await loadSigningKey(stateDir, keyOption);
  } catch (e) {
    if (!isTlockError(e, 'INVALID_ARGUMENT')) throw e;
    throw usageError(
      `${url} holds no Tailnet Lock chain yet; publishing this one takes an admin's trusted signing key: ${e.message}`,
      { cause: e },
    );
  }
}

function report(
  out: Output,
  conn: ServerConnection,
  result: SyncResult,
  genesis: GenesisEvent | undefined,
): void {
  if (out.json) {
    out.document({
      Server: conn.url,
      Head: result.after,
      PreviousHead: result.before === result.after ? undefined : result.before,
      ServerHead: result.serverHead,
      InSync: result.converged,
      Received: result.received,
      Sent: result.sent,
      Genesis: genesis === undefined ? undefined : { Hash: genesis.hash, How: genesis.how },
    });
  } else {
    if (genesis?.how === 'published') {
      out.text(
        `Published this authority to ${conn.url}: Tailnet Lock is now on there.`,
        `Genesis: ${genesis.hash}`,
        `Nodes start from it with: tlock sync --server ${conn.url} --pin ${genesis.hash}`,
      );
    } else if (genesis !== undefined) {
      out.text(`Started from the server's genesis ${genesis.hash} (${genesis.how}).`);
    }
    const moved = result.before === result.after ? '' : ` (was ${result.before})`;
    out.text(
      `Synced with ${conn.url}: head ${result.after}${moved}; received ${result.received} AUM${result.received === 1 ? '' : 's'}, sent ${result.sent}.`,
    );
    if (genesis?.how === 'trusted on first use') {
      out.warn(
        `trusted the server's genesis on first use: compare ${genesis.hash} with your admin's; it is pinned in this directory from now on`,
      );
    }
  }
  if (!result.converged) {
    out.warn(
      `the server's head is ${result.serverHead}, not ours: it did not take our chain (another admin's change may have crossed ours; sync again)`,
    );
  }
}

export default defineCommand({
  name: 'sync',
  usage: '--server URL [--pin HASH | --tofu] [--node-key NODEKEY]',
  description: [
    "Tailscale's two-way sync with a coordination server: offers our head, verifies and stores",
    'the AUMs the server sends (all or nothing), then sends the AUMs it lacks. A server that',
    'offers an older chain than one this directory verified from it before is refused',
    '(rollback, status 1) and nothing changes here.',
    '',
    "A directory with no chain starts from the server's genesis only with --pin (the genesis hash",
    'the admin gives you; another genesis is refused, status 1, and nothing is stored) or',
    '--tofu (trust on first use); the genesis is remembered, so a later start is checked against',
    'it. An admin whose server has no chain yet publishes the local one (init/begin and',
    "init/finish, signing any nodes the server lists with this machine's key) and prints its",
    'genesis hash for the nodes to pin.',
  ].join('\n'),
  options: {
    ...SERVER_OPTIONS,
    pin: {
      type: 'string',
      placeholder: 'HASH',
      describe: "with no chain here: start only from this genesis (the admin's sync prints it)",
    },
    tofu: {
      type: 'boolean',
      describe: 'with no chain here: trust the genesis the server hands out (trust on first use)',
    },
    ...KEY_OPTION,
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'tlock sync --server http://127.0.0.1:8080',
    "tlock sync --server http://control.example:8080 --pin GENESIS_HASH   # the hash the admin's sync printed",
  ],
  async run({ options, out, stateDir }) {
    if (options.server === undefined)
      throw usageError('give --server URL, the coordination server to sync with');
    if (options.pin !== undefined && options.tofu) throw usageError('give --pin or --tofu, not both');
    const pin = options.pin === undefined ? undefined : parsePin(options.pin);
    const c = (await connectServer(stateDir, options))!;
    await withServer(c, async () => {
      const remembered = await loadPin(stateDir);
      refuseOtherPin(stateDir, pin, remembered);
      let local: LocalAuthority | undefined = await openLocalAuthority(stateDir);
      let genesis: GenesisEvent | undefined;
      if (local === undefined) {
        const trust = bootstrapTrust(pin, remembered, options.tofu);
        const started = await bootstrapLocal(c, stateDir, trust);
        local = started.local;
        genesis = { hash: started.genesisHash, how: 'tofu' in trust ? 'trusted on first use' : 'pinned' };
      }
      let result: SyncResult;
      try {
        result = await syncLocal(c, local);
      } catch (e) {
        if (!serverHasNoChain(e)) throw e;
        const signer = await publisher(stateDir, options.key, c.url);
        const published = await publishLocal(c, local, stateDir, signer);
        if (published.signedNodes > 0)
          out.progress(`Signed ${published.signedNodes} nodes the server listed.`);
        genesis = { hash: published.genesisHash, how: 'published' };
        result = await syncLocal(c, local);
      }
      report(out, c, result, genesis);
    });
  },
});
