import { TlockError } from '../errors.js';
import { Authority } from '../authority/authority.js';
import type { AumStore } from '../authority/store.js';
import { type AUM, aumHash, decodeAUM } from '../model/aum.js';
import { hashToBase32 } from '../wire/base32.js';
import type { ControlClient } from './client.js';
import { type BootstrapTrust, checkGenesisPin } from './server-chain-verdict.js';

/**
 * Starts a node that has no chain from the server's genesis, but only on the trust it was given:
 * the genesis hash it was told (`{ pin }`; a mismatch is PIN_MISMATCH and nothing is stored),
 * or explicit trust on first use (`{ tofu: true }`). Then sync (`syncWithServer`) to catch up.
 */
export async function bootstrapFromServer(
  client: ControlClient,
  store: AumStore,
  trust: BootstrapTrust,
): Promise<{ authority: Authority; genesisHash: string }> {
  if (typeof trust !== 'object' || trust === null) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      'bootstrapFromServer: trust: give { pin: "<genesis hash>" } or { tofu: true }',
    );
  }
  if ((await store.heads()).length > 0) {
    throw new TlockError('CONFLICT', 'this node already holds a chain: sync it instead of bootstrapping');
  }
  const answer = await client.bootstrap('');
  if (answer.genesisAUM === undefined) {
    throw new TlockError(
      'NOT_FOUND',
      answer.disablementSecret !== undefined
        ? 'Tailnet Lock is disabled on the server: there is no chain to start from'
        : 'the server has no Tailnet Lock chain for this tailnet yet: an admin publishes the genesis first',
    );
  }
  let genesis: AUM;
  try {
    genesis = decodeAUM(answer.genesisAUM);
  } catch (e) {
    throw new TlockError('INVALID_AUM', `the server's genesis is not an AUM: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const genesisHash = hashToBase32(aumHash(genesis));
  checkGenesisPin(genesisHash, trust);
  return { authority: await Authority.bootstrap(store, genesis), genesisHash };
}
