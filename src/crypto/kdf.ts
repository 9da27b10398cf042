import { requireBytes } from '../wire/bytes.js';

const DISABLEMENT_SALT = new TextEncoder().encode('tailscale network-lock disablement salt');

/**
 * docs/FORMAT.md §7: Argon2i (not Argon2id), v0x13, t=4, m=16 MiB, p=4, 32-byte output. The stored
 * disablement values are this function of the secrets shown once to the admin.
 */
export async function disablementKDF(secret: Uint8Array): Promise<Uint8Array> {
  requireBytes(secret, 'disablementKDF: secret');
  // Loaded here, not at import: only disable and init need it, and every command loads this module.
  const { argon2iAsync } = await import('@noble/hashes/argon2.js');
  return argon2iAsync(secret, DISABLEMENT_SALT, { t: 4, m: 16 * 1024, p: 4, dkLen: 32, version: 0x13 });
}
