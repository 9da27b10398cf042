/**
 * The one error class tlock throws. Callers switch on `code`, which is stable;
 * `message` is for people and says what to do.
 */
export type TlockErrorCode =
  /** Bytes or text that do not parse: malformed CBOR, base32, base64, key text. */
  | 'DECODE'
  /** A value of the wrong type or size was passed to a function. */
  | 'INVALID_ARGUMENT'
  /** An AUM, key or state breaks a static rule of the format (docs/FORMAT.md §5.1). */
  | 'INVALID_AUM'
  /** An AUM is well-formed but cannot be accepted or applied to the state before it. */
  | 'REJECTED_AUM'
  /** A signature does not verify. */
  | 'BAD_SIGNATURE'
  /** A signature is by a key that the authority does not trust. */
  | 'UNTRUSTED_KEY'
  /** A node-key signature authorises a different node key. */
  | 'WRONG_NODE_KEY'
  /** A node-key signature is not well-formed for its kind. */
  | 'MALFORMED_SIGNATURE'
  /** A rotation signature over a small-order wrapping key (docs/FORMAT.md §11). */
  | 'SMALL_ORDER_WRAPPING_KEY'
  /** A key that anyone could forge signatures for (small-order or off-curve), refused. */
  | 'WEAK_KEY'
  /** A pre-signed auth key whose `--TL` suffix does not parse. */
  | 'MALFORMED_AUTHKEY'
  /** Something asked for is not stored. */
  | 'NOT_FOUND'
  /** Two chains or histories that cannot be reconciled. */
  | 'NO_INTERSECTION'
  /** A bound was exceeded (chain length, iterations, sizes). */
  | 'LIMIT'
  /** The head moved while an update was being built, or a similar race. */
  | 'CONFLICT'
  /** The disk said no, or stored data is corrupt. */
  | 'STORAGE'
  /** Something inside tlock failed that no input should cause (a worker thread died, say). */
  | 'INTERNAL'
  /** A coordination server could not be reached, timed out, or answered outside the protocol. */
  | 'NETWORK'
  /** A coordination server refused a request (HTTP 4xx/5xx with its reason). */
  | 'SERVER_REFUSED'
  /** A server offered an older chain than one this node verified from it before (a rollback). */
  | 'ROLLBACK'
  /** A server's genesis is not the one this node was told to trust (`--pin`). */
  | 'PIN_MISMATCH';

export class TlockError extends Error {
  override readonly name = 'TlockError';
  readonly code: TlockErrorCode;

  constructor(code: TlockErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isTlockError(e: unknown, code?: TlockErrorCode): e is TlockError {
  return e instanceof TlockError && (code === undefined || e.code === code);
}
