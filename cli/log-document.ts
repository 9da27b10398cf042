import { isDeepStrictEqual } from 'node:util';
import { isTlockError } from '../src/errors.js';
import { type AUM, aumHash, aumParent, decodeAUM } from '../src/model/aum.js';
import { hashToBase32 } from '../src/wire/base32.js';
import { decodeBase64 } from '../src/wire/base64.js';
import { usageError } from './cli-error.js';
import { jsonText } from './json-document.js';
import { SCHEMA_VERSION, aumJSON, logMessageJSON } from './tslockjsonv1.js';

/*
 * A chain as a tslockjsonv1 log document: what `tlock export` writes and `tlock import` reads
 * (and what `tlock log --json` prints): {"SchemaVersion": "1", "Messages": [newest first]}, each
 * message {Hash, AUM, Raw}. Raw is the authority: Hash must be its hash and AUM its decoding, so a
 * document edited by hand, truncated or spliced is refused before anything is verified or stored.
 */

/** One AUM read back from a log document, with its hash. */
export interface DocumentAUM {
  aum: AUM;
  hash: Uint8Array;
}

/** The document for these AUMs, given newest first. */
export function logDocument(newestFirst: readonly AUM[]): { SchemaVersion: string; Messages: unknown[] } {
  return { SchemaVersion: SCHEMA_VERSION, Messages: newestFirst.map(logMessageJSON) };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's base64.URLEncoding as written in Raw; the standard alphabet and missing padding are read too. */
function rawBytes(text: string, what: string): Uint8Array {
  const std = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (std.length % 4 === 1) throw usageError(`${what}: Raw is truncated (not whole base64)`);
  try {
    return decodeBase64(std, `${what}: Raw`, false);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(`${e.message}`, { cause: e });
  }
}

function readMessage(m: unknown, what: string): DocumentAUM {
  if (!isObject(m) || typeof m['Raw'] !== 'string' || typeof m['Hash'] !== 'string') {
    throw usageError(`${what}: expected an object with "Hash" and "Raw" strings`);
  }
  let aum: AUM;
  try {
    aum = decodeAUM(rawBytes(m['Raw'], what));
  } catch (e) {
    if (!isTlockError(e) || e.code !== 'DECODE') throw e;
    throw usageError(`${what}: Raw is not an AUM (${e.message}); the document is damaged`, { cause: e });
  }
  const hash = aumHash(aum);
  const hashText = hashToBase32(hash);
  if (m['Hash'] !== hashText) {
    throw usageError(
      `${what}: its Hash ${m['Hash']} is not the hash of its Raw bytes (${hashText}); the document was changed or damaged`,
    );
  }
  // The readable AUM must say what Raw says, so that nobody reviews one thing and imports another.
  if (m['AUM'] !== undefined && !isDeepStrictEqual(m['AUM'], JSON.parse(jsonText(aumJSON(aum))))) {
    throw usageError(
      `${what} (${hashText}): its "AUM" field does not match its Raw bytes; the document was changed`,
    );
  }
  return { aum, hash };
}

/**
 * Reads a log document (the text of a file or stdin) and returns its AUMs oldest first, checked
 * to be one chain: each message the parent of the one listed before it. Throws a usage error
 * (status 2) naming the first message at fault.
 */
export function readLogDocument(text: string, source: string): DocumentAUM[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw usageError(
      `${source} is not a JSON document (${(e as Error).message}); is it truncated? Give the output of "tlock export" or "tlock log --json"`,
    );
  }
  if (!isObject(doc) || !Array.isArray(doc['Messages'])) {
    throw usageError(
      `${source}: expected a tslockjsonv1 log document {"SchemaVersion": "1", "Messages": [...]}, as "tlock export" writes`,
    );
  }
  if (doc['SchemaVersion'] !== SCHEMA_VERSION) {
    throw usageError(
      `${source}: SchemaVersion ${JSON.stringify(doc['SchemaVersion'])} is not supported (only "${SCHEMA_VERSION}")`,
    );
  }
  const messages = doc['Messages'] as unknown[];
  if (messages.length === 0) throw usageError(`${source}: the document holds no AUMs`);
  const read = messages.map((m, i) => readMessage(m, `${source}: message ${i + 1} of ${messages.length}`));
  for (let i = 0; i + 1 < read.length; i++) {
    const parent = aumParent(read[i]!.aum);
    if (parent === undefined || hashToBase32(parent) !== hashToBase32(read[i + 1]!.hash)) {
      throw usageError(
        `${source}: message ${i + 1} (${hashToBase32(read[i]!.hash)}) is not a child of message ${i + 2}; ` +
          'messages must form one chain, newest first, as "tlock export" and "tlock log --json" write them',
      );
    }
  }
  return read.reverse();
}
