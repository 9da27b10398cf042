import { TlockError } from '../errors.js';

/*
 * Base64 as Go's encoding/base64 reads it: StdEncoding (padded) for []byte in JSON and
 * netmaps, RawStdEncoding (unpadded) in wrapped auth keys. Like Go, unused low bits in the last
 * character are ignored and CR/LF are skipped; anything else outside the alphabet is an error.
 */

const STD = /^[A-Za-z0-9+/]*$/;

export function encodeBase64(bytes: Uint8Array, padded = true): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return padded ? s : s.replace(/=+$/, '');
}

export function decodeBase64(text: string, what: string, padded = true): Uint8Array {
  if (typeof text !== 'string') throw new TlockError('INVALID_ARGUMENT', `${what}: expected a base64 string`);
  let s = text.replace(/[\r\n]/g, '');
  if (padded) {
    if (s.length % 4 !== 0)
      throw new TlockError(
        'DECODE',
        `${what}: base64 length is not a multiple of 4 (is the padding missing?)`,
      );
    const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    s = s.slice(0, s.length - pad);
  } else if (s.includes('=')) {
    throw new TlockError('DECODE', `${what}: unpadded base64 must not contain "="`);
  }
  if (!STD.test(s)) throw new TlockError('DECODE', `${what}: not standard base64 (A-Z, a-z, 0-9, +, /)`);
  if (s.length % 4 === 1) throw new TlockError('DECODE', `${what}: base64 is truncated`);
  const buf = Buffer.from(s, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
}
