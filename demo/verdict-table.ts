/*
 * The demo's closing table: for every node and every thing the server offered, what the node
 * did and why, and whether that is what a correct node does.
 */

export interface Verdict {
  node: string;
  offered: string;
  /** accepted, dropped, refused. */
  verdict: string;
  reason: string;
  /** Whether the verdict is the one expected of a correct node. */
  expected: boolean;
}

const MAX_REASON = 90;

function clip(text: string, width: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= width ? one : one.slice(0, width - 1) + '…';
}

/** The verdicts as an aligned text table, a mark in front of any unexpected one. */
export function verdictTable(rows: readonly Verdict[]): string {
  const cells = rows.map((r) => [
    r.expected ? ' ' : '✗',
    r.node,
    r.offered,
    r.verdict,
    clip(r.reason, MAX_REASON),
  ]);
  const header = [' ', 'node', 'offered', 'verdict', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...cells.map(line)].join('\n');
}
