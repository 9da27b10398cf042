import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tlock from '../src/index.js';

// The stable names of README.md "The library API" that exist at run time (types leave nothing
// to check here; examples/library.ts and the type check cover those). Removing one breaks users.
const STABLE_VALUES = [
  'TlockError',
  'isTlockError',
  'generateSigningKey',
  'signingKeyFromPrivate',
  'formatTLPublic',
  'parseTLPublic',
  'formatNLPublic',
  'formatTLPrivate',
  'parseTLPrivate',
  'formatNodeKey',
  'parseNodeKey',
  'nodeKeyToBinary',
  'nodeKeyFromBinary',
  'hashToBase32',
  'hashFromBase32',
  'encodeBase64',
  'decodeBase64',
  'Authority',
  'disablementKDF',
  'isCompactableStore',
  'MemoryStore',
  'FileStore',
  'signNodeKey',
  'resignNodeKey',
  'createCredential',
  'signByCredential',
  'wrapAuthKey',
  'unwrapAuthKey',
  'nodeKeyAuthorizedInState',
  'NetmapVerifier',
  'VerdictPool',
  'AUMKind',
  'aumKindName',
  'encodeAUM',
  'decodeAUM',
  'aumHash',
  'aumSigHash',
  'validateAUM',
  'signAUM',
  'KEY_KIND_ED25519',
  'validateKey',
  'SigKind',
  'sigKindName',
  'encodeNodeKeySignature',
  'decodeNodeKeySignature',
  'nodeKeySignatureSigHash',
  'verifyZip215',
  'verifyStandard',
  'weakPublicKeyReason',
];

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const apiSection = readme.slice(readme.indexOf('### The library API'), readme.indexOf('What is stable:'));

describe('the public surface', () => {
  it('exports every stable name, and README.md lists each one', () => {
    const exported = Object.keys(tlock);
    expect(STABLE_VALUES.filter((n) => !exported.includes(n))).toEqual([]);
    expect(STABLE_VALUES.filter((n) => !apiSection.includes(`\`${n}\``))).toEqual([]);
  });

  it('keeps internals out', () => {
    const exported = Object.keys(tlock);
    for (const n of ['UpdateBuilder', 'IN_PLACE_READS', 'chainReads', 'findKey', 'requireSigningKey', 'sign'])
      expect(exported).not.toContain(n);
  });
});
