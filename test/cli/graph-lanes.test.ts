import { describe, expect, it } from 'vitest';
import { type LaneNode, layOutLanes } from '../../cli/graph-lanes.js';

function draw(nodes: LaneNode[], first?: string): string[] {
  return layOutLanes(nodes, first).map((r) => ('line' in r ? r.line : `${r.prefix} ${nodes[r.node]!.id}`));
}

describe('layOutLanes (log --graph)', () => {
  it('draws a chain as one column', () => {
    expect(
      draw([
        { id: 'c', parent: 'b' },
        { id: 'b', parent: 'a' },
        { id: 'a', parent: undefined },
      ]),
    ).toEqual(['* c', '* b', '* a']);
  });

  it('closes two branches into their fork point, the seeded one on the left', () => {
    const nodes: LaneNode[] = [
      { id: 'x2', parent: 'x1' }, // a longer losing branch comes first
      { id: 'h', parent: 'm' },
      { id: 'x1', parent: 'r' },
      { id: 'm', parent: 'r' },
      { id: 'r', parent: undefined },
    ];
    expect(draw(nodes, 'h')).toEqual(['| * x2', '* | h', '| * x1', '* | m', '|/', '* r']);
  });

  it('closes three branches at one parent, one line each, the later columns moving left', () => {
    const nodes: LaneNode[] = [
      { id: 'a', parent: 'p' },
      { id: 'b', parent: 'p' },
      { id: 'c', parent: 'p' },
      { id: 'p', parent: undefined },
    ];
    expect(draw(nodes)).toEqual(['* a', '| * b', '| | * c', '| |/', '|/', '* p']);
  });

  it('keeps unrelated roots apart', () => {
    const nodes: LaneNode[] = [
      { id: 'a', parent: undefined },
      { id: 'b', parent: undefined },
    ];
    expect(draw(nodes)).toEqual(['* a', '* b']);
  });
});
