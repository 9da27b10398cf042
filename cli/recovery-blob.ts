import { blake2s256 } from '../src/crypto/blake2s.js';
import { isTlockError } from '../src/errors.js';
import { AUMKind, type AUM, aumKindName, aumParent, decodeAUM, encodeAUM } from '../src/model/aum.js';
import { bytesEqual, concatBytes, fromHex } from '../src/wire/bytes.js';
import { usageError } from './cli-error.js';

/*
 * A recovery AUM as text that admins pass to each other (by chat, mail, a file), one line:
 *
 *   tlock-recovery-v1:<the AUM's CBOR, base64url>.<checksum, base64url>
 *
 * The checksum (the first 8 bytes of BLAKE2s-256 over a label and the CBOR) tells a blob cut
 * short or mangled on the way from a whole one, with a message that says so, before anything
 * else is read. It is no defence against someone who changes the blob on purpose: the AUM's own
 * signatures are (each is checked against the fork point's keys when the blob is read), and what
 * an admin signs is shown first. Tailscale's form, the AUM's CBOR in upper-case hex, is read too.
 */

const PREFIX = 'tlock-recovery-v1:';
const CHECKSUM_LABEL = new TextEncoder().encode('tlock recovery blob v1\n');
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const checksum = (cbor: Uint8Array): Uint8Array =>
  blake2s256(concatBytes(CHECKSUM_LABEL, cbor)).subarray(0, 8);
const b64url = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

export function encodeRecoveryBlob(aum: AUM): string {
  const cbor = encodeAUM(aum);
  return `${PREFIX}${b64url(cbor)}.${b64url(checksum(cbor))}`;
}

const damaged = (why: string): Error =>
  usageError(
    `the recovery blob is ${why}; copy it again whole from the admin who sent it (file:PATH keeps it in one piece)`,
  );

function fromBase64url(text: string): Uint8Array {
  if (!BASE64URL.test(text) || text.length % 4 === 1)
    throw damaged('damaged (it holds characters a blob never has)');
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

function tlockBlobBytes(body: string): Uint8Array {
  const dot = body.lastIndexOf('.');
  if (dot < 0) throw damaged('cut short: its checksum (after the last ".") is missing');
  const cbor = fromBase64url(body.slice(0, dot));
  if (!bytesEqual(fromBase64url(body.slice(dot + 1)), checksum(cbor))) {
    throw damaged('cut short or damaged: its checksum does not match');
  }
  return cbor;
}

/**
 * Reads a recovery blob (white space anywhere is ignored, as pasting adds it) and returns its
 * AUM, which is a checkpoint with a parent. Throws a usage error that says what is wrong.
 */
export function decodeRecoveryBlob(text: string): { aum: AUM; checked: boolean } {
  const t = text.replace(/\s+/g, '');
  let cbor: Uint8Array;
  let checked = true;
  if (t.startsWith(PREFIX)) {
    cbor = tlockBlobBytes(t.slice(PREFIX.length));
  } else if (/^[0-9A-Fa-f]+$/.test(t) && t.length % 2 === 0) {
    cbor = fromHex(t);
    checked = false;
  } else {
    throw usageError(
      `not a recovery blob: it starts "${t.slice(0, 20)}", where a blob starts "${PREFIX}" ("tlock revoke-keys" prints them; Tailscale's upper-case hex is read too)`,
    );
  }
  let aum: AUM;
  try {
    aum = decodeAUM(cbor);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw checked
      ? usageError(`the recovery blob holds no AUM: ${e.message}`, { cause: e })
      : damaged(`cut short or damaged (${e.message})`);
  }
  if (aum.messageKind !== AUMKind.Checkpoint || aumParent(aum) === undefined || aum.state === undefined) {
    throw usageError(
      `the blob holds a ${aumKindName(aum.messageKind)} AUM${aumParent(aum) === undefined ? ' without a parent' : ''}, not a recovery checkpoint`,
    );
  }
  return { aum, checked };
}
