import { formatTLPublic } from '../wire/keytext.js';
import { toHex } from '../wire/bytes.js';

/** A key ID as people read it in messages: `tlpub:<hex>` for 32 bytes, else its hex. */
export function describeKeyID(keyID: Uint8Array | null | undefined): string {
  if (keyID === null || keyID === undefined) return 'an unset key ID';
  return keyID.length === 32 ? formatTLPublic(keyID) : `key ID ${toHex(keyID)}`;
}
