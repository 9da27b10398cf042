import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSigningKey, verifiers } from '../../src/crypto/ed25519.js';
import { decodeNodeKeySignature, encodeNodeKeySignature } from '../../src/model/nks.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting, withTorsionR } from '../nks-fixtures.js';
import { FilteredDaemon } from './daemon-model.js';

// Attack 6: bounded cost. A server adds a torsion point to the R of real signatures: nothing
// verifies, but proving it took the exact ZIP-215 check (~1 ms a peer, minutes for 250 000 peers).
// Node-key signatures whose R is not a canonical prime-order point are refused at once instead
// (docs/DECISIONS.md); what that costs is measured in bench/ (`npm run bench -- --only=hostile`).
// Here: the crafted peers are refused without the exact verifier ever running.

const admin = generateSigningKey();

function peers(count: number, craft: boolean): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const k = newNodeKey();
    const nks = decodeNodeKeySignature(signNodeKey(admin, k));
    if (craft) nks.signature = withTorsionR(nks.signature!);
    return { ID: i + 1, Key: nodeKeyText(k), KeySignature: b64(encodeNodeKeySignature(nks)) };
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('attack: signatures with a crafted R', () => {
  it('are refused without the slow exact check; their honest twins pass', () => {
    const exact = vi.spyOn(verifiers, 'zip215');
    const daemon = new FilteredDaemon({ head: 'H1', state: stateTrusting(admin) });
    const v = daemon.receive({ Peers: peers(20, true) });
    expect(v.dropped.map((d) => d.reason)).toEqual(new Array<string>(20).fill('BAD_SIGNATURE'));
    expect(daemon.filtered.peers.size).toBe(0);
    expect(exact).not.toHaveBeenCalled();

    const twin = daemon.receive({ Peers: peers(20, false) });
    expect(twin.dropped).toEqual([]);
    expect(daemon.filtered.peers.size).toBe(20);
    expect(exact).not.toHaveBeenCalled();
  });
});
