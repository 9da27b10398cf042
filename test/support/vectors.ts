import { readFileSync } from 'node:fs';

/** Loads a JSON test-vector file from test/vectors/. */
export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

/** Hex text (spaces allowed, for readability) → bytes. */
export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** Bytes → lower-case hex text. */
export const toHexString = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Standard base64 text → bytes (test/nks-fixtures.ts `b64` goes the other way). */
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
