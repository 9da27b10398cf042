import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { FilteredDaemon } from './daemon-model.js';

// Attack: stale verdicts after a key removal. Peers signed by B were authorised and the daemon
// holds them; then the authority removes B. The server simply never mentions those peers again
// (or sends the same signature for them in a patch), hoping the cached "yes" stands. The first
// response after the head moved (even an empty delta) removes them (UNTRUSTED_KEY), and a
// repeated signature is judged anew. The twin: peers signed by A stay.

const a = generateSigningKey();
const b = generateSigningKey();

function peer(id: number, by: typeof a): { key: string; sig: string; peer: Record<string, unknown> } {
  const k = newNodeKey();
  const sig = b64(signNodeKey(by, k));
  return { key: nodeKeyText(k), sig, peer: { ID: id, Key: nodeKeyText(k), KeySignature: sig } };
}

describe('attack: stale verdicts after a key removal', () => {
  it('an empty delta after the removal takes the removed key peers away; A peers stay', () => {
    const authority = { head: 'H1', state: stateTrusting(a, b) };
    const daemon = new FilteredDaemon(authority);
    const byB = peer(1, b);
    const byA = peer(2, a);
    daemon.receive({ Peers: [byB.peer, byA.peer] });
    expect(daemon.filtered.keys().sort()).toEqual([byA.key, byB.key].sort());

    Object.assign(authority, { head: 'H2', state: stateTrusting(a) });
    const v = daemon.receive({});
    expect(v.netmap['PeersRemoved']).toEqual([1]);
    expect(daemon.filtered.keys()).toEqual([byA.key]);
    expect(daemon.filtered.unauthorised(authority.state)).toEqual([]);
  });

  it('the same signature sent again in a patch after the removal is judged anew and refused', () => {
    const authority = { head: 'H1', state: stateTrusting(a, b) };
    const daemon = new FilteredDaemon(authority);
    const byB = peer(1, b);
    daemon.receive({ Peers: [byB.peer] });
    Object.assign(authority, { head: 'H2', state: stateTrusting(a) });
    const v = daemon.receive({ PeersChangedPatch: [{ NodeID: 1, Key: byB.key, KeySignature: byB.sig }] });
    expect(v.dropped).toMatchObject([{ id: 1, reason: 'UNTRUSTED_KEY' }]);
    expect(daemon.filtered.keys()).toEqual([]);
    // An unfiltered daemon would keep it.
    expect(daemon.unfiltered.keys()).toEqual([byB.key]);
  });
});
