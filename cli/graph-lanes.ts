/** A node to draw: its ID and its parent's, when the parent is drawn too. */
export interface LaneNode {
  id: string;
  parent: string | undefined;
}

export type LaneRow = { node: number; prefix: string } | { line: string };

/**
 * Lays out a forest as `git log --graph` does, one node per row, children before parents: each
 * column waits for the parent of the last node drawn in it; when several columns wait for the
 * same node (a fork), it is drawn in the leftmost and the others close with "/". `first` seeds
 * column 0, so the chosen chain keeps the leftmost column even when a longer branch comes first.
 */
export function layOutLanes(nodes: readonly LaneNode[], first?: string): LaneRow[] {
  const rows: LaneRow[] = [];
  const columns: (string | undefined)[] = first === undefined ? [] : [first];
  const draw = (mark: (k: number) => string): string =>
    columns
      .map((_, k) => mark(k))
      .join(' ')
      .trimEnd();
  nodes.forEach((node, index) => {
    let c = columns.indexOf(node.id);
    if (c === -1) {
      c = columns.indexOf(undefined);
      if (c === -1) c = columns.push(undefined) - 1;
      columns[c] = node.id;
    }
    // A fork point: the other columns waiting for this node close into it first.
    for (let k = columns.length - 1; k > c; k--) {
      if (columns[k] !== node.id) continue;
      // Column k closes into the column left of it; the columns after it move one left.
      const chars = new Array<string>(2 * columns.length).fill(' ');
      columns.forEach((col, i) => {
        if (i < k) chars[2 * i] = col === undefined ? ' ' : '|';
        else chars[2 * i - 1] = '/';
      });
      rows.push({ line: chars.join('').trimEnd() });
      columns.splice(k, 1);
    }
    rows.push({ node: index, prefix: draw((k) => (k === c ? '*' : columns[k] === undefined ? ' ' : '|')) });
    columns[c] = node.parent;
    while (columns.length > 0 && columns[columns.length - 1] === undefined) columns.pop();
  });
  return rows;
}
