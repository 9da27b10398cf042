import { TlockError } from '../errors.js';
import { type AUM, aumHash, aumParent } from '../model/aum.js';
import { hashToBase32 } from '../wire/base32.js';
import type { ControlClient } from './client.js';

/**
 * Submits an admin's new AUMs (oldest first, the first built on the server's head) as
 * Tailscale's `lock add`/`lock remove` do: an interactive sync/send, which the server stores only
 * if they extend its head (else SERVER_REFUSED, 409, and nothing stored). Afterwards the server's
 * head must be the last of them: CONFLICT otherwise. Returns that head. Apply the AUMs locally
 * (`Authority.inform`) before or after, as you like: a later sync agrees either way.
 */
export async function submitChange(client: ControlClient, aums: AUM[]): Promise<string> {
  const first = aums[0];
  const parent = first === undefined ? undefined : aumParent(first);
  if (first === undefined || parent === undefined) {
    throw new TlockError(
      'INVALID_ARGUMENT',
      'submitChange: give the new AUMs, oldest first, built on a head',
    );
  }
  const expected = hashToBase32(aumHash(aums[aums.length - 1]!));
  const head = await client.syncSend(hashToBase32(parent), aums, true);
  if (head !== expected) {
    throw new TlockError(
      'CONFLICT',
      `the server's head is ${head}, not the change just submitted (${expected}); sync and try again`,
    );
  }
  return head;
}
