import { describe, expect, it } from 'vitest';
import { type ServerChainFacts, TlockError, checkGenesisPin, judgeServerChain } from '../../src/index.js';

const R = 'A'.repeat(52);
const C = 'B'.repeat(51) + 'A';

function facts(over: Partial<ServerChainFacts>): ServerChainFacts {
  return {
    remembered: R,
    serverHead: C,
    serverChainHasRemembered: false,
    serverHeadIsOlder: false,
    rememberedStored: true,
    ...over,
  };
}

describe('judgeServerChain', () => {
  it('accepts when nothing is remembered, the head is the remembered one, or the chain holds it', () => {
    expect(judgeServerChain(facts({ remembered: undefined }))).toEqual({ kind: 'accept' });
    expect(judgeServerChain(facts({ serverHead: R }))).toEqual({ kind: 'accept' });
    expect(judgeServerChain(facts({ serverChainHasRemembered: true }))).toEqual({ kind: 'accept' });
    // Even if another fact looks bad: holding the remembered head is enough.
    expect(judgeServerChain(facts({ serverChainHasRemembered: true, serverHeadIsOlder: true }))).toEqual({
      kind: 'accept',
    });
  });

  it('refuses an older head at once, naming both heads', () => {
    const v = judgeServerChain(facts({ serverHeadIsOlder: true }));
    expect(v).toMatchObject({ kind: 'refuse', reason: 'older-head' });
    expect(v.kind === 'refuse' && v.message).toMatch(
      new RegExp(`^rollback refused.*${C}.*older than head ${R}`),
    );
  });

  it('refuses when the remembered head is neither the server’s nor ours any more', () => {
    expect(judgeServerChain(facts({ rememberedStored: false }))).toMatchObject({
      kind: 'refuse',
      reason: 'missing-head',
    });
  });

  it('asks for fork resolution only when it decides, then follows its answer', () => {
    expect(judgeServerChain(facts({}))).toEqual({ kind: 'resolve-forks' });
    expect(judgeServerChain(facts({ serverChainWins: true }))).toEqual({ kind: 'accept' });
    const v = judgeServerChain(facts({ serverChainWins: false }));
    expect(v).toMatchObject({ kind: 'refuse', reason: 'losing-fork' });
    expect(v.kind === 'refuse' && v.message).toContain('loses fork resolution');
  });
});

describe('checkGenesisPin', () => {
  it('passes the pinned genesis and trust on first use', () => {
    expect(() => checkGenesisPin(R, { pin: R })).not.toThrow();
    expect(() => checkGenesisPin(R, { tofu: true })).not.toThrow();
  });

  it('refuses another genesis with PIN_MISMATCH, naming both', () => {
    const e = (() => {
      try {
        checkGenesisPin(C, { pin: R });
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(TlockError);
    expect((e as TlockError).code).toBe('PIN_MISMATCH');
    expect((e as TlockError).message).toContain(C);
    expect((e as TlockError).message).toContain(R);
  });

  it('refuses a malformed pin and a missing choice', () => {
    expect(() => checkGenesisPin(R, { pin: 'not-a-hash' })).toThrow(
      expect.objectContaining({ code: 'DECODE' }),
    );
    expect(() => checkGenesisPin(R, {} as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => checkGenesisPin(R, { tofu: 'yes' } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
