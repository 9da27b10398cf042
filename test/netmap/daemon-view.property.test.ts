import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DaemonView } from '../../src/netmap/daemon-view.js';
import { MapResponseReader, type NodeId } from '../../src/netmap/map-response.js';
import type { PeerEntry } from '../../src/netmap/peer-columns.js';

// DaemonView changes its nodes in place after `save` and undoes the changes on `restore`
// (daemon-view.ts). Against a model that copies every node on `save`: the same nodes, in the same
// order (the order nodes are judged in), held or not, after any sequence of steps.

type Step =
  | { kind: 'save' | 'restore' }
  | { kind: 'full'; ids: number[] }
  | { kind: 'remove' | 'upsert' | 'patch'; id: number }
  | { kind: 'held'; id: number; held: boolean };

const id = fc.integer({ min: 1, max: 5 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Step>({ kind: 'save' }, { kind: 'restore' }) },
  {
    weight: 1,
    arbitrary: fc.array(id, { minLength: 1, maxLength: 8 }).map((ids): Step => ({ kind: 'full', ids })),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('remove' as const, 'upsert' as const, 'patch' as const), id)
      .map(([kind, n]): Step => ({ kind, id: n })),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(id, fc.boolean()).map(([n, held]): Step => ({ kind: 'held', id: n, held })),
  },
);

interface ModelNode {
  readonly entry: PeerEntry;
  readonly held: boolean;
}

/** The view as it was before: every node copied on `save`. */
class Model {
  nodes = new Map<NodeId, ModelNode>();
  saved: Map<NodeId, ModelNode> | undefined;
}

let version = 0;
const entry = (n: number): PeerEntry => ({
  id: n,
  node: { ID: n, Name: `v${++version}` },
  key: undefined,
  sig: undefined,
  apiOnly: false,
  name: `v${version}`,
});

describe('DaemonView (property)', () => {
  it('holds the nodes a view that copies them on save holds, in the same order, through any steps', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const view = new DaemonView();
        const model = new Model();
        for (const s of steps) {
          switch (s.kind) {
            case 'save':
              view.save();
              model.saved = new Map(model.nodes);
              break;
            case 'restore':
              view.restore();
              if (model.saved !== undefined) model.nodes = model.saved;
              model.saved = undefined;
              break;
            case 'full': {
              const full = new MapResponseReader().read({
                Peers: s.ids.map((n) => ({ ID: n, Name: `f${n}` })),
              }).full!;
              const held = (i: number): boolean => i % 2 === 0;
              view.applyFullList(full, held);
              model.nodes = new Map();
              for (let i = 0; i < full.length; i++)
                if (full.counts(i)) model.nodes.set(full.ids[i]!, { entry: full.entry(i), held: held(i) });
              break;
            }
            case 'remove':
              view.applyRemoval(s.id);
              model.nodes.delete(s.id);
              break;
            case 'upsert': {
              const e = entry(s.id);
              expect(view.applyUpsert(e)).toBe(true);
              const before = model.nodes.get(s.id);
              model.nodes.set(s.id, { entry: e, held: before?.held ?? false });
              break;
            }
            case 'patch': {
              const patched = view.applyPatch({
                id: s.id,
                changes: { Name: 'p' },
                patch: { NodeID: s.id },
                rekeys: false,
              });
              const before = model.nodes.get(s.id);
              expect(patched === undefined).toBe(before === undefined);
              if (before !== undefined) model.nodes.set(s.id, { entry: patched!.entry, held: before.held });
              break;
            }
            case 'held': {
              view.setHeld(s.id, s.held);
              const before = model.nodes.get(s.id);
              if (before !== undefined) model.nodes.set(s.id, { entry: before.entry, held: s.held });
              break;
            }
          }
          const seen = [...view.nodes()].map(([n, node]) => [n, node.entry.name, node.entry.node, node.held]);
          const expected = [...model.nodes].map(([n, node]) => [
            n,
            node.entry.name,
            node.entry.node,
            node.held,
          ]);
          expect(seen).toEqual(expected);
          expect(view.heldIds()).toEqual([...model.nodes].filter(([, node]) => node.held).map(([n]) => n));
          for (let n = 1; n <= 5; n++) expect(view.get(n)?.held).toBe(model.nodes.get(n)?.held);
        }
      }),
      { numRuns: 8000 },
    );
  });

  it('puts a node removed and described again in one response last, and back where it was on restore', () => {
    const view = new DaemonView();
    for (const n of [1, 2, 3]) view.applyUpsert(entry(n));
    view.save();
    view.applyRemoval(1);
    view.applyUpsert(entry(1));
    view.applyRemoval(2);
    expect([...view.nodes()].map(([n]) => n)).toEqual([3, 1]);
    view.restore();
    expect([...view.nodes()].map(([n]) => n)).toEqual([1, 2, 3]);
  });
});
