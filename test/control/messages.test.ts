import { describe, expect, it } from 'vitest';
import {
  readBootstrapRequest,
  readBootstrapResponse,
  readInitBeginResponse,
  readInitFinishRequest,
  readSyncOfferRequest,
  readSyncOfferResponse,
  readSyncSendRequest,
  requestJSON,
  responseJSON,
} from '../../src/control/messages.js';
import { TlockError, encodeBase64, formatNodeKey } from '../../src/index.js';

const header = { version: 138, nodeKey: new Uint8Array(32).fill(0xab) };
const H = 'A'.repeat(52);
const H2 = 'B'.repeat(51) + 'A';

function decodeError(fn: () => unknown): TlockError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TlockError);
    expect((e as TlockError).code).toBe('DECODE');
    return e as TlockError;
  }
  throw new Error('expected a DECODE error');
}

describe('control messages', () => {
  it('what the client writes, the server reads back (through JSON text)', () => {
    const wire = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
    expect(
      readSyncOfferRequest(wire(requestJSON.syncOffer(header, { head: H, ancestors: [H2, H] }))),
    ).toEqual({
      ...header,
      offer: { head: H, ancestors: [H2, H] },
    });
    const aums = [new Uint8Array([1, 2, 3]), new Uint8Array(0)];
    expect(readSyncSendRequest(wire(requestJSON.syncSend(header, H, aums, true)))).toEqual({
      ...header,
      head: H,
      aums,
      interactive: true,
    });
    const sigs = new Map([['9007199254740991', new Uint8Array([9])]]);
    expect(readInitFinishRequest(wire(requestJSON.initFinish(header, sigs, new Uint8Array(32))))).toEqual({
      ...header,
      signatures: sigs,
      supportDisablement: new Uint8Array(32),
    });
    expect(readBootstrapRequest(wire(requestJSON.bootstrap(header, '')))).toEqual({ ...header, head: '' });
  });

  it('what the server writes, the client reads back, in Go’s shapes', () => {
    const offer = responseJSON.syncOffer({ head: H, ancestors: [H] }, [encodeBase64(new Uint8Array([7]))]);
    expect(offer).toEqual({ Head: H, Ancestors: [H], MissingAUMs: ['Bw=='] });
    expect(readSyncOfferResponse(offer)).toEqual({
      head: H,
      ancestors: [H],
      missingAUMs: [new Uint8Array([7])],
    });
    // omitempty: nothing to hand out is {}.
    expect(responseJSON.bootstrap()).toEqual({});
    expect(readBootstrapResponse({ GenesisAUM: null, DisablementSecret: '' })).toEqual({});
    const need = [
      { nodeID: '42', nodePublic: new Uint8Array(32).fill(1), rotationPubkey: new Uint8Array(0) },
    ];
    const begin = responseJSON.initBegin(need);
    expect(begin).toEqual({
      NeedSignatures: [{ NodeID: 42, NodePublic: formatNodeKey(need[0]!.nodePublic), RotationPubkey: null }],
    });
    expect(readInitBeginResponse(JSON.parse(JSON.stringify(begin)))).toEqual(need);
  });

  it('refuses a known field spelt in another case (Go would read it, we would not)', () => {
    const ok = requestJSON.syncOffer(header, { head: H, ancestors: [] });
    expect(decodeError(() => readSyncOfferRequest({ ...ok, head: H2 })).message).toMatch(
      /"head" must be spelt "Head"/,
    );
    expect(() => readSyncOfferRequest({ ...ok, HEAD: H2 })).toThrow(/spelt "Head"/);
    // Go also folds the Kelvin sign onto k and the long s onto s.
    expect(() => readSyncOfferRequest({ ...ok, ['NodeKey'.replace('K', '\u212a')]: 'x' })).toThrow(
      /spelt "NodeKey"/,
    );
    expect(() => readSyncOfferRequest({ ...ok, ['Ance\u017ftors']: [] })).toThrow(/spelt "Ancestors"/);
    // Unknown fields are ignored, as in Go.
    expect(readSyncOfferRequest({ ...ok, Extra: 1 }).offer.head).toBe(H);
  });

  it('null and missing are the zero value; wrong types are refused with the field named', () => {
    const base = { Version: 1, NodeKey: formatNodeKey(header.nodeKey) };
    expect(readSyncSendRequest({ ...base, Head: null, MissingAUMs: null, Interactive: null })).toMatchObject({
      head: '',
      aums: [],
      interactive: false,
    });
    expect(decodeError(() => readSyncSendRequest({ ...base, Interactive: 'yes' })).message).toContain(
      'TKASyncSendRequest.Interactive',
    );
    expect(decodeError(() => readSyncSendRequest({ ...base, MissingAUMs: 'AAAA' })).message).toContain(
      'MissingAUMs',
    );
    expect(decodeError(() => readSyncSendRequest({ ...base, MissingAUMs: ['AAA'] })).message).toContain(
      'MissingAUMs[0]',
    );
    expect(decodeError(() => readBootstrapRequest({ ...base, Version: 1.5 })).message).toContain('Version');
    expect(decodeError(() => readBootstrapRequest({ NodeKey: base.NodeKey })).message).toContain(
      'Version: missing',
    );
    expect(decodeError(() => readBootstrapRequest({ Version: 1 })).message).toContain('NodeKey');
    expect(decodeError(() => readBootstrapRequest(null)).message).toContain('expected a JSON object');
  });

  it('node IDs: exact decimal integers below 2^53 only', () => {
    const base = { Version: 1, NodeKey: formatNodeKey(header.nodeKey) };
    for (const id of ['9007199254740992', '1e3', '01', '-0', '', 'x']) {
      expect(() => readInitFinishRequest({ ...base, Signatures: { [id]: 'AA==' } })).toThrow(/node ID/);
    }
    expect(() =>
      readInitBeginResponse({ NeedSignatures: [{ NodeID: 2 ** 53, NodePublic: base.NodeKey }] }),
    ).toThrow(/node ID/);
    expect(() => readInitFinishRequest({ ...base, Signatures: { '7': null } })).toThrow(/missing/);
  });
});
