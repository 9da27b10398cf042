import { Authority } from '../src/authority/authority.js';
import { publishGenesis } from '../src/control/genesis-publication.js';
import { bootstrapFromServer } from '../src/control/node-bootstrap.js';
import type { BootstrapTrust } from '../src/control/server-chain-verdict.js';
import type { SigningKey } from '../src/crypto/ed25519.js';
import { type AUM, AUMKind } from '../src/model/aum.js';
import { FileStore } from '../src/store/file-store.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { hashFromBase32 } from '../src/wire/base32.js';
import { requireTrustedSigner } from './authority-update.js';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import { savePin } from './genesis-pin.js';
import { uninterrupted } from './interrupt.js';
import type { LocalAuthority } from './local-authority.js';
import type { ServerConnection } from './server-connection.js';
import { ensureStateDir, storeDir } from './state-dir.js';

/*
 * How a chain first crosses between a state directory and a server: a node with none starts from
 * the server's genesis (on a pin or explicit trust on first use), and an admin whose server has
 * none publishes the local one (init/begin, init/finish).
 */

/**
 * Starts this directory's chain from the server's genesis. The genesis is checked against the
 * trust given in memory first: on a pin mismatch (status 1) nothing is written, not even the
 * state directory. Remembers the genesis as this directory's pin.
 */
export async function bootstrapLocal(
  conn: ServerConnection,
  stateDir: string,
  trust: BootstrapTrust,
): Promise<{ local: LocalAuthority; genesisHash: string }> {
  const trial = new MemoryStore();
  const { genesisHash } = await bootstrapFromServer(conn.client, trial, trust);
  const genesis = (await trial.get(hashFromBase32(genesisHash)))!;
  return uninterrupted(async () => {
    await ensureStateDir(stateDir);
    const store = await FileStore.open(storeDir(stateDir));
    const authority = await Authority.bootstrap(store, genesis);
    await savePin(stateDir, genesisHash);
    return { local: { store, authority }, genesisHash };
  });
}

/** The genesis of the local chain: its oldest AUM, which must be a checkpoint with no parent. */
async function localGenesis(local: LocalAuthority): Promise<AUM> {
  const oldest = await local.store.get(hashFromBase32(local.authority.oldestAncestor));
  if (oldest === undefined || oldest.messageKind !== AUMKind.Checkpoint || oldest.prevAUMHash !== null) {
    throw usageError(
      `the local chain no longer starts at its genesis (it was compacted; oldest AUM ${local.authority.oldestAncestor}), so it cannot be published; publish from a machine that holds the whole chain`,
    );
  }
  return oldest;
}

/**
 * Turns Tailnet Lock on at a server that holds no chain, with the local chain's genesis: the
 * server's init/begin lists the nodes to sign (signed by `signer`), init/finish turns it on.
 * The caller syncs afterwards to send the rest of the chain. Remembers the genesis as the pin.
 */
export async function publishLocal(
  conn: ServerConnection,
  local: LocalAuthority,
  stateDir: string,
  signer: SigningKey,
): Promise<{ genesisHash: string; signedNodes: number }> {
  const served = await conn.client.bootstrap('');
  if (served.genesisAUM !== undefined || served.disablementSecret !== undefined) {
    // The 404 came from somewhere else (a wrong path); the server does have a chain, or had one.
    throw new CliError(
      EXIT.IO,
      'NETWORK',
      `${conn.url} answered sync/offer with "not found" but bootstrap with ${served.genesisAUM !== undefined ? 'a genesis' : 'a disablement secret'}; check the server URL`,
    );
  }
  requireTrustedSigner(local, signer, 'publish the authority');
  const genesis = await localGenesis(local);
  const { genesisHash, signed } = await publishGenesis({ client: conn.client, genesis, signer });
  await savePin(stateDir, genesisHash);
  return { genesisHash, signedNodes: signed.length };
}
