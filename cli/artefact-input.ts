import { decodeBase64 } from '../src/wire/base64.js';
import { fromHex } from '../src/wire/bytes.js';
import { usageError } from './cli-error.js';
import { readArgumentBytes } from './secret-input.js';

/** An artefact's bytes and the form they were given in, to say so in `inspect`. */
export interface Artefact {
  bytes: Uint8Array;
  form: 'hex' | 'base64' | 'binary';
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Bytes written as text: hex (even length, either case) or base64 (standard or URL alphabet,
 * padded or not, wrapped over lines). Hex wins when both would read it. Undefined for anything else.
 */
export function decodeArtefactText(text: string): Artefact | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact === '') return undefined;
  if (HEX.test(compact) && compact.length % 2 === 0) return { bytes: fromHex(compact), form: 'hex' };
  if (!BASE64.test(compact)) return undefined;
  const std = compact.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (std.length % 4 === 1) return undefined;
  return { bytes: decodeBase64(std, 'artefact', false), form: 'base64' };
}

/** Whether `bytes` are UTF-8 text (no NUL, no invalid sequences): a text file, not binary CBOR. */
function asText(bytes: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.includes('\0') ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * An artefact named on the command line: hex or base64 text itself, `file:PATH` or `-` (stdin),
 * whose content may be that text or the raw binary bytes.
 */
export async function readArtefact(arg: string, what: string): Promise<Artefact> {
  const raw = await readArgumentBytes(arg, what);
  if (raw === undefined) {
    const decoded = decodeArtefactText(arg);
    if (decoded === undefined) {
      throw usageError(
        `${what}: "${shorten(arg)}" is neither hex nor base64; give the bytes as hex, base64, file:PATH or - (stdin)`,
      );
    }
    return decoded;
  }
  if (raw.length === 0) throw usageError(`${what}: ${arg === '-' ? 'stdin' : arg} is empty`);
  const text = asText(raw);
  const decoded = text === undefined ? undefined : decodeArtefactText(text);
  return decoded ?? { bytes: new Uint8Array(raw), form: 'binary' };
}

/** A long argument cut for an error message. */
export const shorten = (text: string, max = 40): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
