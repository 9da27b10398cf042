import { TlockError, type TlockErrorCode } from '../errors.js';

/** A refusal whose HTTP status is not the one its code implies (a route, a method, a rate). */
export class RequestRefused extends TlockError {
  readonly status: number;

  constructor(status: number, code: TlockErrorCode, message: string) {
    super(code, message);
    this.status = status;
  }
}

/**
 * The HTTP status for an error the server answers with: 4xx for what the request got wrong
 * (422 for an AUM or signature that was refused), 5xx only for the server's own failures.
 */
export function httpStatusFor(e: TlockError): number {
  if (e instanceof RequestRefused) return e.status;
  switch (e.code) {
    case 'DECODE':
    case 'INVALID_ARGUMENT':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
    case 'NO_INTERSECTION':
      return 409;
    case 'INVALID_AUM':
    case 'REJECTED_AUM':
    case 'BAD_SIGNATURE':
    case 'UNTRUSTED_KEY':
    case 'WRONG_NODE_KEY':
    case 'MALFORMED_SIGNATURE':
    case 'SMALL_ORDER_WRAPPING_KEY':
    case 'WEAK_KEY':
    case 'MALFORMED_AUTHKEY':
    case 'LIMIT':
      return 422;
    default:
      return 500;
  }
}
