import { describe, expect, it } from 'vitest';
import {
  Authority,
  MemoryStore,
  NetmapVerifier,
  generateSigningKey,
  resignNodeKey,
  signNodeKey,
} from '../../src/index.js';
import { b64, newNodeKey, nodeKeyText } from '../nks-fixtures.js';
import { expectTlockError } from '../support/tlock-error.js';

// Authority.nodeKeyAuthorized and NetmapVerifier on a real authority: the current state decides.

async function twoKeyAuthority() {
  const admin = generateSigningKey();
  const other = generateSigningKey();
  const store = new MemoryStore();
  const { authority } = await Authority.create(
    store,
    {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32).fill(1)],
      keys: [
        { kind: 1, votes: 2, public: admin.publicKey },
        { kind: 1, votes: 1, public: other.publicKey },
      ],
    },
    admin,
  );
  return { admin, other, store, authority };
}

describe('Authority.nodeKeyAuthorized', () => {
  it('accepts a direct signature by a trusted key and a rotation of it', async () => {
    const { other, authority } = await twoKeyAuthority();
    const nodeSigner = generateSigningKey();
    const k1 = newNodeKey();
    const k2 = newNodeKey();
    const direct = signNodeKey(other, k1, { wrappingPubkey: nodeSigner.publicKey });
    expect(authority.nodeKeyAuthorized(k1, direct).keyID).toEqual(other.publicKey);
    const rotated = resignNodeKey(nodeSigner, k2, direct);
    const auth = authority.nodeKeyAuthorized(k2, rotated);
    expect(auth.keyID).toEqual(other.publicKey);
    expect(auth.prevNodeKeys).toEqual([k1]);
  });

  it('refuses signatures by a key once it is removed, and the verifier drops its peers', async () => {
    const { admin, other, store, authority } = await twoKeyAuthority();
    const k = newNodeKey();
    const sig = signNodeKey(other, k);
    const verifier = new NetmapVerifier(authority);
    const netmap = { Peers: [{ ID: 1, Name: 'a', Key: nodeKeyText(k), KeySignature: b64(sig) }] };
    expect(verifier.filter(netmap).dropped).toEqual([]);

    await authority.inform(
      store,
      await authority.newUpdater(admin).removeKey(other.publicKey).finalize(store),
    );
    expectTlockError(() => authority.nodeKeyAuthorized(k, sig), 'UNTRUSTED_KEY');
    const after = verifier.filter(netmap);
    expect(after.dropped.map((d) => d.reason)).toEqual(['UNTRUSTED_KEY']);
    expect((after.netmap as { Peers: unknown[] }).Peers).toEqual([]);
  });
});
