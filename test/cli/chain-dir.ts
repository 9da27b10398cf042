import { join } from 'node:path';
import { buildChain } from '../../bench/chain-fixture.js';
import { Authority } from '../../src/authority/authority.js';
import type { SigningKey } from '../../src/crypto/ed25519.js';
import { type AUM, aumHash } from '../../src/model/aum.js';
import { FileStore } from '../../src/store/file-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { writeKey } from './authority-fixture.js';

/**
 * A state directory holding this machine's key and a chain of about `length` AUMs it signed
 * (vote changes, a checkpoint every 50), committed as if `ageMs` ago. Returns the chain oldest first.
 */
export async function stateDirWithChain(
  dir: string,
  length: number,
  ageMs = 0,
): Promise<{ self: SigningKey; head: string; chain: AUM[] }> {
  const memory = new MemoryStore();
  const { authority, signer } = await buildChain(memory, length);
  const chain: AUM[] = [];
  for (let h: Uint8Array | null = authority.headHash; h !== null;) {
    const aum: AUM = (await memory.get(h))!;
    chain.unshift(aum);
    h = aum.prevAUMHash;
  }
  writeKey(dir, signer);
  const store = await FileStore.open(join(dir, 'tka'), { clock: () => Date.now() - ageMs });
  await store.commit(chain);
  await store.setLastActiveAncestor(aumHash(chain[0]!));
  if ((await Authority.open(store)).head !== authority.head) throw new Error('chain fixture: wrong head');
  return { self: signer, head: authority.head, chain };
}
