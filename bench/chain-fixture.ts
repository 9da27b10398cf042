import { randomBytes } from 'node:crypto';
import {
  Authority,
  type AumStore,
  FileStore,
  MemoryStore,
  type SigningKey,
  aumHash,
  signingKeyFromPrivate,
} from '../src/index.js';

/** Builds a chain of about `length` AUMs (genesis, vote changes, a checkpoint every 50) in `store`. */
export async function buildChain(
  store: AumStore,
  length: number,
): Promise<{ authority: Authority; signer: SigningKey }> {
  const signer = signingKeyFromPrivate(new Uint8Array(randomBytes(32)));
  const { authority } = await Authority.create(
    store,
    {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32).fill(7)],
      keys: [{ kind: 1, votes: 2, public: signer.publicKey }],
    },
    signer,
  );
  let n = 1;
  while (n < length) {
    const aums = await authority
      .newUpdater(signer)
      .setKeyVotes(signer.publicKey, 1 + (n % 3))
      .finalize(store);
    await authority.inform(store, aums);
    n += aums.length;
  }
  return { authority, signer };
}

/**
 * Writes a chain of `length` AUMs into a FileStore at `dir` (built in memory, then committed in
 * one batch, as a sync would), with the genesis as the last-active-ancestor hint. Returns the head.
 */
export async function buildFileChain(dir: string, length: number): Promise<string> {
  const memory = new MemoryStore();
  const { authority } = await buildChain(memory, length);
  const aums = await Promise.all((await memory.allAUMs()).map(async (h) => (await memory.get(h))!));
  const genesis = aums.find((a) => a.prevAUMHash === null)!;
  const store = await FileStore.open(dir);
  await store.commit(aums);
  await store.setLastActiveAncestor(aumHash(genesis));
  return authority.head;
}
