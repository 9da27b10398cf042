import { type Netmap, type NetmapVerdict, NetmapVerifier, VerdictPool } from '../../src/index.js';
import { type RatioResult, compare, ratioResult } from '../harness.js';
import { type NetmapFixture, buildNetmapFixture, withChangedPeers } from '../netmap-fixture.js';
import { signatureFloors } from '../signature-floors.js';

export const NETMAP_PEERS = 10_000;

function expectAllKept(verdict: NetmapVerdict, peers: number): void {
  const kept = (verdict.netmap.Peers as unknown[]).length;
  if (kept !== peers || verdict.dropped.length !== 0 || verdict.selfLockedOut !== undefined) {
    throw new Error(`netmap benchmark: expected ${peers} peers kept, got ${kept}`);
  }
}

export async function netmapCases(runs: number): Promise<RatioResult[]> {
  const fixture: NetmapFixture = await buildNetmapFixture(NETMAP_PEERS);
  const floors = signatureFloors(fixture.raw);
  const floorName = `libsodium verify ×${NETMAP_PEERS}, one core`;
  const results: RatioResult[] = [];

  // The two floors side by side: their ratio differs between machines.
  const raw = await compare({ runs, subject: () => floors.sodium(), floor: () => floors.nodeCrypto() });
  results.push(
    ratioResult(
      {
        name: `libsodium against node:crypto, ${NETMAP_PEERS} signatures`,
        subject: 'libsodium crypto_sign_verify_detached',
        floor: `node:crypto verify ×${NETMAP_PEERS}`,
      },
      raw,
    ),
  );

  // Every subject gets a freshly parsed map response, as a node does (parsing is not timed):
  // reusing one object would let later runs find its strings already hashed.
  const text = JSON.stringify(fixture.netmap);
  let input: Netmap = {};
  const cold = await compare({
    runs,
    setupSubject: () => {
      input = JSON.parse(text) as Netmap;
    },
    subject: () => expectAllKept(new NetmapVerifier(fixture.authority).filter(input), NETMAP_PEERS),
    floor: () => floors.sodium(),
  });
  results.push(
    ratioResult(
      {
        name: `netmap ${NETMAP_PEERS} peers, cold, one core`,
        subject: 'new NetmapVerifier(authority).filter(netmap)',
        floor: floorName,
        target: '≤ 1.15×',
        limit: 1.15,
      },
      cold,
    ),
  );

  // A worker pool started once, as the hook does, and used by a fresh verifier (cold cache) each run.
  const pool = new VerdictPool();
  {
    const parallel = await compare({
      runs,
      setupSubject: () => {
        input = JSON.parse(text) as Netmap;
      },
      subject: async () => {
        const v = new NetmapVerifier(fixture.authority, { batcher: pool });
        expectAllKept(await v.filterAsync(input), NETMAP_PEERS);
      },
      floor: () => floors.sodium(),
    });
    results.push(
      ratioResult(
        {
          name: `netmap ${NETMAP_PEERS} peers, cold, parallel`,
          subject: `new NetmapVerifier(authority, { batcher: pool of ${pool.size} workers }).filterAsync(netmap)`,
          floor: floorName,
          target: '≤ 0.75× (the hook’s)',
          limit: 0.75,
        },
        parallel,
      ),
    );
  }
  await pool.close();

  // 1 % of peers re-keyed, on a verifier that has just checked the previous netmap.
  const changedText = JSON.stringify(withChangedPeers(fixture, 0.01));
  let warm = new NetmapVerifier(fixture.authority);
  let changed: Netmap = {};
  const delta = await compare({
    runs: runs + 4, // a short subject: more runs steady the median against scavenges
    setupSubject: () => {
      warm = new NetmapVerifier(fixture.authority);
      expectAllKept(warm.filter(JSON.parse(text) as Netmap), NETMAP_PEERS);
      changed = JSON.parse(changedText) as Netmap;
    },
    subject: () => expectAllKept(warm.filter(changed), NETMAP_PEERS),
    setupFloor: () => {
      changed = JSON.parse(changedText) as Netmap;
    },
    floor: () => expectAllKept(new NetmapVerifier(fixture.authority).filter(changed), NETMAP_PEERS),
  });
  results.push(
    ratioResult(
      {
        name: `netmap ${NETMAP_PEERS} peers, 1 % changed, warm`,
        subject: 'warm verifier .filter(changed netmap)',
        floor: 'cold filter',
        target: '≤ 0.01×',
        limit: 0.01,
      },
      delta,
    ),
  );

  // The same 100 re-keyed peers as a map session sends them: a delta (PeersChanged) to a verifier
  // that has checked the full list and one delta since (the first delta after a full list also
  // indexes it: once per full list, which a session gets at its start).
  const changedPeers = (JSON.parse(changedText) as { Peers: Record<string, unknown>[] }).Peers.filter(
    (_, i) => i % 100 === 99,
  );
  const deltaText = JSON.stringify({ PeersChanged: changedPeers });
  let deltaResp: Netmap = {};
  const sessionDelta = await compare({
    runs: runs + 4,
    setupSubject: () => {
      warm = new NetmapVerifier(fixture.authority);
      expectAllKept(warm.filter(JSON.parse(text) as Netmap), NETMAP_PEERS);
      warm.filter({ PeersChangedPatch: [{ NodeID: changedPeers[0]!['ID'], Online: true }] });
      deltaResp = JSON.parse(deltaText) as Netmap;
    },
    subject: () => {
      const verdict = warm.filter(deltaResp);
      if (verdict.dropped.length !== 0) throw new Error('netmap benchmark: the delta dropped a peer');
    },
    setupFloor: () => {
      changed = JSON.parse(changedText) as Netmap;
    },
    floor: () => expectAllKept(new NetmapVerifier(fixture.authority).filter(changed), NETMAP_PEERS),
  });
  results.push(
    ratioResult(
      {
        name: `netmap ${NETMAP_PEERS} peers, a delta re-keying 1 % of them, warm`,
        subject:
          'warm verifier, one delta after the full list, .filter({ PeersChanged: the 100 re-keyed peers })',
        floor: 'cold filter',
        target: '≤ 0.01×',
        limit: 0.01,
      },
      sessionDelta,
    ),
  );
  return results;
}
