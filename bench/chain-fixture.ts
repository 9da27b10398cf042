import { Authority, type AumStore, type SigningKey, generateSigningKey } from '../src/index.js';

/** Builds a chain of about `length` AUMs (genesis, vote changes, a checkpoint every 50) in `store`. */
export async function buildChain(
  store: AumStore,
  length: number,
): Promise<{ authority: Authority; signer: SigningKey }> {
  const signer = generateSigningKey();
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
