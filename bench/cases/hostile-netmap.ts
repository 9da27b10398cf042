import { type Netmap, type NetmapVerdict, NetmapVerifier } from '../../src/index.js';
import { type RatioResult, compare, ratioResult } from '../harness.js';
import { buildNetmapFixture, withCraftedR } from '../netmap-fixture.js';

export const HOSTILE_PEERS = 100_000;

function expectKept(verdict: NetmapVerdict, kept: number): void {
  const n = (verdict.netmap.Peers as unknown[]).length;
  if (n !== kept || verdict.dropped.length !== HOSTILE_PEERS - kept) {
    throw new Error(`hostile netmap benchmark: expected ${kept} peers kept, got ${n}`);
  }
}

/**
 * Bounded cost: a map response of 100 000 peers whose signatures a hostile server crafted (R with
 * a torsion component) against 100 000 honest peers, each checked by a fresh verifier on one
 * thread. Without the strict-R rule (docs/DECISIONS.md) each crafted peer cost ~1 ms.
 */
export async function hostileNetmapCase(runs: number): Promise<RatioResult> {
  const fixture = await buildNetmapFixture(HOSTILE_PEERS);
  const honestText = JSON.stringify(fixture.netmap);
  const craftedText = JSON.stringify(withCraftedR(fixture));
  let input: Netmap = {};
  const t = await compare({
    runs,
    warmup: 0,
    setupSubject: () => {
      input = JSON.parse(craftedText) as Netmap;
    },
    subject: () => expectKept(new NetmapVerifier(fixture.authority).filter(input), 0),
    setupFloor: () => {
      input = JSON.parse(honestText) as Netmap;
    },
    floor: () => expectKept(new NetmapVerifier(fixture.authority).filter(input), HOSTILE_PEERS),
  });
  return ratioResult(
    {
      name: `netmap ${HOSTILE_PEERS} crafted-R peers`,
      subject: 'new NetmapVerifier(authority).filter(netmap of crafted signatures)',
      floor: `the same for ${HOSTILE_PEERS} honest peers`,
      target: '≤ 2×',
      limit: 2,
    },
    t,
  );
}
