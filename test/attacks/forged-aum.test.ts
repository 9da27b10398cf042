import { describe, expect, it } from 'vitest';
import type { AUM } from '../../src/model/aum.js';
import { trusted } from '../authority/helpers.js';
import {
  A,
  D,
  GENESIS,
  X1,
  after,
  expectSyncRefused,
  headAfterSync,
  nameOf,
  offering,
} from './hostile-server.js';

// Attack: forged AUM. The server offers an AUM after the node's head whose signature does not
// verify (a real signature with a bit flipped; a signature over other content; none at all). The
// node refuses the whole offer with BAD_SIGNATURE and keeps its head; the twin, signed by A, passes.

const real = (): AUM => after(X1, { messageKind: 1, key: trusted(D) }, A);

function flipped(aum: AUM): AUM {
  const out = structuredClone(aum);
  out.signatures![0]!.signature![5]! ^= 0x01;
  return out;
}

function otherContent(aum: AUM): AUM {
  const out = structuredClone(aum);
  out.key = { ...out.key!, votes: 9 };
  return out;
}

describe('attack: forged AUM', () => {
  for (const [what, forge, code] of [
    ['a flipped signature bit', flipped, 'BAD_SIGNATURE'],
    ['a signature over other content (votes raised to 9)', otherContent, 'BAD_SIGNATURE'],
    ['no signature', (a: AUM): AUM => ({ ...a, signatures: [] }), 'REJECTED_AUM'],
  ] as const) {
    it(`${what}: refused with ${code}, nothing stored`, async () => {
      await expectSyncRefused([GENESIS, X1], offering([forge(real())]), code);
    });
  }

  it('the twin: the same AUM, signed by A, is accepted', async () => {
    expect(await headAfterSync([GENESIS, X1], offering([real()]))).toBe(nameOf(real()));
  });
});
