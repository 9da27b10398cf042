import { describe, expect, it } from 'vitest';
import { trusted } from '../authority/helpers.js';
import type { TlockErrorCode } from '../../src/errors.js';
import {
  A,
  D,
  GENESIS,
  X1,
  after,
  b64,
  expectSyncRefused,
  headAfterSync,
  nameOf,
  offering,
} from './hostile-server.js';

// Attack: hostile sync bodies. The server answers the node's sync offer with something that is
// not a sync answer: not JSON, wrong types, text that is not base64 or base32, bytes that are not
// AUMs, a head its AUMs do not reach, a field spelled twice. Each is refused with its code and
// nothing local changes; the twin, an honest answer, is applied.

const NEXT = after(X1, { messageKind: 1, key: trusted(D) }, A);
const offer = (fields: Record<string, unknown>) => (endpoint: string) =>
  endpoint === 'sync/offer'
    ? { Head: nameOf(NEXT), Ancestors: [nameOf(X1)], MissingAUMs: [b64(NEXT)], ...fields }
    : { Head: nameOf(NEXT) };

const CASES: [string, (endpoint: string) => unknown, TlockErrorCode][] = [
  ['not JSON', () => '{"Head": ', 'NETWORK'],
  ['an array instead of an object', () => '[]', 'NETWORK'],
  ['MissingAUMs not a list', offer({ MissingAUMs: 'AAAA' }), 'NETWORK'],
  ['an AUM that is not base64', offer({ MissingAUMs: ['***'] }), 'NETWORK'],
  [
    'an AUM that is not CBOR',
    offer({ MissingAUMs: [Buffer.from('hello').toString('base64')] }),
    'INVALID_AUM',
  ],
  ['a Head that is not base32', offer({ Head: 'not a hash!' }), 'NETWORK'],
  [
    'a Head it sends no AUMs for',
    offer({ Head: nameOf(GENESIS).replace(/^./, 'Z'), MissingAUMs: [] }),
    'ROLLBACK',
  ],
  [
    'Head spelled twice',
    () => `{"Head":"${nameOf(NEXT)}","head":"${nameOf(GENESIS)}","Ancestors":[],"MissingAUMs":[]}`,
    'NETWORK',
  ],
];

describe('attack: hostile sync bodies', () => {
  for (const [what, answer, code] of CASES) {
    it(`${what}: ${code}, nothing local changes`, async () => {
      await expectSyncRefused([GENESIS, X1], answer, code);
    });
  }

  it('the twin: the honest answer is applied', async () => {
    expect(await headAfterSync([GENESIS, X1], offering([NEXT]))).toBe(nameOf(NEXT));
  });
});
