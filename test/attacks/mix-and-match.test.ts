import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { FilteredDaemon } from './daemon-model.js';

// Attack: mix-and-match. The server reports in TKAInfo a head other than the node's (an older one,
// at which a since-removed key was still trusted, or one the node has never seen) and sends peers
// signed under that head. Peers are judged against the node's own authority only, never against
// a head the server reports: the peers signed by the removed key are dropped (UNTRUSTED_KEY)
// whatever TKAInfo says. The twin: peers signed by a key the node trusts pass, under any TKAInfo.

const kept = generateSigningKey();
const removed = generateSigningKey();

function peer(id: number, by: typeof kept): { key: string; peer: Record<string, unknown> } {
  const k = newNodeKey();
  return {
    key: nodeKeyText(k),
    peer: { ID: id, Key: nodeKeyText(k), KeySignature: b64(signNodeKey(by, k)) },
  };
}

describe('attack: peers judged against another head than the node holds', () => {
  for (const reported of ['OLDHEADWHEREREMOVEDWASTRUSTED', 'AHEADTHENODEHASNEVERSEEN']) {
    it(`TKAInfo.Head ${reported}: peers by the removed key are dropped, the trusted key's pass`, () => {
      const daemon = new FilteredDaemon({ head: 'NODEHEAD', state: stateTrusting(kept) });
      const bad = peer(1, removed);
      const good = peer(2, kept);
      const v = daemon.receive({ TKAInfo: { Head: reported }, Peers: [bad.peer, good.peer] });
      expect(daemon.unfiltered.keys().sort()).toEqual([bad.key, good.key].sort());
      expect(daemon.filtered.keys()).toEqual([good.key]);
      expect(v.dropped).toMatchObject([{ id: 1, reason: 'UNTRUSTED_KEY' }]);
      expect(daemon.filtered.unauthorised(stateTrusting(kept))).toEqual([]);
    });
  }

  it('a TKAInfo saying Tailnet Lock is disabled does not turn filtering off', () => {
    const daemon = new FilteredDaemon({ head: 'NODEHEAD', state: stateTrusting(kept) });
    const bad = peer(1, removed);
    const v = daemon.receive({ TKAInfo: { Disabled: true }, Peers: [bad.peer] });
    expect(daemon.filtered.keys()).toEqual([]);
    expect(v.dropped).toMatchObject([{ id: 1, reason: 'UNTRUSTED_KEY' }]);
  });
});
