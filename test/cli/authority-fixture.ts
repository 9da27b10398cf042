import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Authority } from '../../src/authority/authority.js';
import { type SigningKey, generateSigningKey } from '../../src/crypto/ed25519.js';
import { FileStore } from '../../src/store/file-store.js';
import { formatTLPrivate } from '../../src/wire/keytext.js';

/** Writes `key` as `<dir>/key` the way keygen does (0600). */
export function writeKey(dir: string, key: SigningKey, mode = 0o600): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'key'), formatTLPrivate(key.privateKey) + '\n', { mode });
}

/**
 * A state directory with this machine's key (`self`, 2 votes) and an authority trusting it and
 * `other` (1 vote), with fixed state IDs (one above 2^53, to see it printed exactly).
 */
export async function stateDirWithAuthority(
  dir: string,
): Promise<{ self: SigningKey; other: SigningKey; head: string }> {
  const self = generateSigningKey();
  const other = generateSigningKey();
  writeKey(dir, self);
  const { authority } = await Authority.create(
    await FileStore.open(join(dir, 'tka')),
    {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32).fill(7)],
      keys: [
        { kind: 1, votes: 2, public: self.publicKey },
        { kind: 1, votes: 1, public: other.publicKey, meta: { purpose: 'pre-auth key' } },
      ],
      stateID1: 18446744073709551557n,
      stateID2: 42n,
    },
    self,
  );
  return { self, other, head: authority.head };
}
