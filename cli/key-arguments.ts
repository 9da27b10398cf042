import { isTlockError } from '../src/errors.js';
import { MAX_VOTES } from '../src/limits.js';
import { bytesEqual, toHex } from '../src/wire/bytes.js';
import { parseTLPublic } from '../src/wire/keytext.js';
import { usageError } from './cli-error.js';

/** A key named on the command line: `tlpub:<hex>` (or `nlpub:`), with `?<votes>` if given. */
export interface KeyArgument {
  public: Uint8Array;
  votes: number | undefined;
  text: string;
}

/** Reads `<tlpub|nlpub>:<hex>[?<votes>]` (Tailscale's form); votes are 1 to 4096. */
export function parseKeyArgument(text: string): KeyArgument {
  const q = text.indexOf('?');
  const keyText = q === -1 ? text : text.slice(0, q);
  let pub: Uint8Array;
  try {
    pub = parseTLPublic(keyText);
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(`"${text}" is not a key: expected tlpub:<64 hex>[?votes] (${e.message})`);
  }
  if (q === -1) return { public: pub, votes: undefined, text };
  const votesText = text.slice(q + 1);
  const votes = /^[0-9]{1,4}$/.test(votesText) ? Number(votesText) : NaN;
  if (!(votes >= 1 && votes <= MAX_VOTES)) {
    throw usageError(`"${text}": votes must be a whole number from 1 to ${MAX_VOTES}, got "${votesText}"`);
  }
  return { public: pub, votes, text };
}

/** Parses every key argument and refuses the same key named twice. */
export function parseKeyArguments(texts: readonly string[]): KeyArgument[] {
  const keys = texts.map(parseKeyArgument);
  keys.forEach((k, i) => {
    if (keys.findIndex((o) => bytesEqual(o.public, k.public)) !== i) {
      throw usageError(`tlpub:${toHex(k.public)} is named more than once`);
    }
  });
  return keys;
}
