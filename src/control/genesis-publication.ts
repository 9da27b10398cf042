import { TlockError } from '../errors.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { type AUM, aumHash, decodeAUM } from '../model/aum.js';
import { signNodeKey } from '../signing/direct.js';
import { hashToBase32 } from '../wire/base32.js';
import { usableRotationKey } from './affected-nodes.js';
import type { ControlClient } from './client.js';
import type { SignInfo } from './messages.js';

/**
 * Turns Tailnet Lock on at the server (init/begin, init/finish): proposes the genesis, signs
 * every node the server lists (a Direct signature by `signer`, with the node's own TL key as
 * rotation key unless that key is missing or weak), then checks that the server now hands out
 * this genesis: another admin's init that won the race is CONFLICT, not silence.
 */
export async function publishGenesis(opts: {
  client: ControlClient;
  genesis: AUM;
  signer: SigningKey;
  supportDisablement?: Uint8Array;
}): Promise<{ genesisHash: string; signed: SignInfo[] }> {
  const { client, genesis, signer } = opts;
  const genesisHash = hashToBase32(aumHash(genesis));
  const need = await client.initBegin(genesis);
  const signatures = new Map<string, Uint8Array>();
  for (const n of need) {
    const rotation = usableRotationKey(n.rotationPubkey);
    signatures.set(
      n.nodeID,
      signNodeKey(signer, n.nodePublic, rotation === undefined ? {} : { wrappingPubkey: rotation }),
    );
  }
  await client.initFinish(signatures, opts.supportDisablement);
  const served = (await client.bootstrap('')).genesisAUM;
  const servedHash = served === undefined ? undefined : hashToBase32(aumHash(decodeAUM(served)));
  if (servedHash !== genesisHash) {
    throw new TlockError(
      'CONFLICT',
      `the server does not hand out our genesis ${genesisHash} after init (it has ${servedHash ?? 'none'}); another admin may have turned Tailnet Lock on first: sync with the server instead`,
    );
  }
  return { genesisHash, signed: need };
}
