import { TlockError } from '../errors.js';
import { describeKeyID } from '../wire/keytext.js';
import { requireBytes } from '../wire/bytes.js';
import { weakPublicKeyReason } from './ed25519.js';
import { isSmallOrderEncoding } from './small-order.js';

/**
 * The one rule for a public key that tlock's own hands are about to trust (docs/FORMAT.md §11):
 * a value that is not 32 bytes is INVALID_ARGUMENT; a small-order point (anyone could forge
 * signatures for it) or 32 bytes that are no curve point (nothing could ever verify under it) is
 * WEAK_KEY. Received AUMs may still trust such keys: that is consensus, not our hands.
 *
 * `mustBePoint: false` skips the point decompression (≈150 µs) and refuses small-order keys by
 * table only: for wrapping keys, which are checked on every node-key signature written, and for
 * which a non-point forges nothing (Go's verifier refuses every signature under it).
 */
export function requireStrongKey(
  pub: unknown,
  what: string,
  opts: { mustBePoint?: boolean; fix?: string } = {},
): Uint8Array {
  const key = requireBytes(pub, what);
  if (key.length !== 32) {
    throw new TlockError('INVALID_ARGUMENT', `${what}: an ed25519 public key is 32 bytes, got ${key.length}`);
  }
  const reason =
    opts.mustBePoint === false
      ? isSmallOrderEncoding(key)
        ? 'small-order'
        : undefined
      : weakPublicKeyReason(key);
  if (reason === undefined) return key;
  const why =
    reason === 'small-order'
      ? 'a small-order point (such as 32 zero bytes), so anyone could forge signatures for it'
      : 'not a point on the curve, so no signature could ever verify under it';
  const fix = opts.fix === undefined ? '' : `; ${opts.fix}`;
  throw new TlockError('WEAK_KEY', `${what}: refusing ${describeKeyID(key)}: it is ${why}${fix}`);
}
