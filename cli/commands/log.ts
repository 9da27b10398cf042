import { type AUM, aumHash, aumKindName, aumParent } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { type GraphNode, collectGraph } from '../aum-graph.js';
import { aumBodyLines, aumHeader } from '../aum-text.js';
import { defineCommand } from '../command.js';
import { layOutLanes } from '../graph-lanes.js';
import { type LocalAuthority, requireLocalAuthority } from '../local-authority.js';
import type { Output } from '../output.js';
import { SCHEMA_VERSION, logMessageJSON } from '../tslockjsonv1.js';

/** The chosen chain from the head back, at most `limit` AUMs. */
async function chainFromHead(local: LocalAuthority, limit: number): Promise<AUM[]> {
  const out: AUM[] = [];
  let next: Uint8Array | undefined = local.authority.headHash;
  while (next !== undefined && out.length < limit) {
    const aum = await local.store.get(next);
    if (aum === undefined) break;
    out.push(aum);
    next = aumParent(aum);
  }
  return out;
}

const short = (hash: string): string => hash.slice(0, 12);

function drawGraph(out: Output, local: LocalAuthority, nodes: GraphNode[], limit: number): void {
  const shown = nodes.slice(0, limit);
  const branches = nodes.filter((n) => n.lostTo !== undefined).length;
  out.text(
    `${nodes.length} stored AUM${nodes.length === 1 ? '' : 's'}, ${branches} losing branch${branches === 1 ? '' : 'es'}; the chosen chain ends at the head ${local.authority.head}.`,
    '',
  );
  for (const row of layOutLanes(
    shown.map((n) => ({ id: n.hash, parent: n.parent })),
    local.authority.head,
  )) {
    if ('line' in row) {
      out.text(row.line);
      continue;
    }
    const n = shown[row.node]!;
    const marks = [
      n.hash === local.authority.head ? 'head' : undefined,
      n.chosen ? undefined : 'not chosen',
    ].filter((m) => m !== undefined);
    const label = `${out.yellow(short(n.hash))} ${aumKindName(n.aum.messageKind)}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`;
    const lost = n.lostTo === undefined ? '' : `  lost to ${short(n.lostTo.hash)}: ${n.lostTo.why}`;
    out.text(`${row.prefix} ${label}${lost}`);
  }
  if (nodes.length > shown.length)
    out.text('', `(${nodes.length - shown.length} older AUMs not shown; raise --limit)`);
}

export default defineCommand({
  name: 'log',
  usage: '[--limit N] [--graph]',
  description: [
    'Lists the updates of the chosen chain, newest first, as "tailscale lock log" does (with who',
    "signed each). --json prints Tailscale's v1 log document (Hash, AUM, Raw; each Raw re-hashed",
    'and checked). --graph draws every stored branch, like "git log --graph": the chosen chain on',
    'the left, and at each fork why the other branch lost (fewer votes, a remove-key winning a',
    'tie, or the higher hash); with --json it lists every AUM with its parent and verdict.',
  ].join('\n'),
  options: {
    limit: { type: 'integer', placeholder: 'N', default: 50, min: 1, describe: 'show at most N AUMs' },
    graph: { type: 'boolean', describe: 'draw every stored branch and why each losing one lost' },
  },
  positionals: { min: 0, max: 0 },
  examples: ['tlock log --limit 10', 'tlock log --graph', "tlock log --json | jq -r '.Messages[].Hash'"],
  async run({ options, out, stateDir }) {
    const local = await requireLocalAuthority(stateDir);
    const limit = options.limit;
    if (options.graph) {
      const nodes = await collectGraph(local);
      if (out.json) {
        out.document({
          SchemaVersion: SCHEMA_VERSION,
          Head: local.authority.head,
          AUMs: nodes.slice(0, limit).map((n) => ({
            Hash: n.hash,
            Parent: n.parent,
            MessageKind: aumKindName(n.aum.messageKind),
            Chosen: n.chosen,
            LostTo: n.lostTo?.hash,
            Why: n.lostTo?.why,
          })),
        });
      } else drawGraph(out, local, nodes, limit);
      return;
    }
    const chain = await chainFromHead(local, limit);
    if (out.json) {
      out.document({ SchemaVersion: SCHEMA_VERSION, Messages: chain.map(logMessageJSON) });
      return;
    }
    for (const aum of chain) {
      const hash = hashToBase32(aumHash(aum));
      out.text(out.yellow(aumHeader(hash, aum)), ...aumBodyLines(aum), '');
    }
  },
});
