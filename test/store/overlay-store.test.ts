import { describe, expect, it } from 'vitest';
import { Authority, MemoryStore, OverlayStore, aumHash, hashToBase32, signAUM } from '../../src/index.js';
import { keyOf, stateOf, trusted } from '../authority/helpers.js';

describe('OverlayStore', () => {
  it('an inform on the overlay shows in it and leaves the base untouched', async () => {
    const a = keyOf(1);
    const base = new MemoryStore();
    const { authority } = await Authority.create(base, stateOf([trusted(a)]), a);
    const baseHead = authority.head;
    const baseAUMs = (await base.allAUMs()).length;

    const overlay = new OverlayStore(base);
    const trial = await Authority.open(overlay);
    const updates = await trial
      .newUpdater(a)
      .addKey(trusted(keyOf(2)))
      .finalize(overlay);
    await trial.inform(overlay, updates);

    expect(trial.head).toBe(hashToBase32(aumHash(updates[0]!)));
    expect((await overlay.heads()).map((h) => hashToBase32(aumHash(h)))).toEqual([trial.head]);
    expect(await overlay.get(aumHash(updates[0]!))).toBeDefined();
    expect((await overlay.children(authority.headHash)).length).toBe(1);
    expect((await Authority.open(overlay)).head).toBe(trial.head);
    // The base store saw nothing.
    expect(await base.get(aumHash(updates[0]!))).toBeUndefined();
    expect((await base.allAUMs()).length).toBe(baseAUMs);
    expect((await Authority.open(base)).head).toBe(baseHead);
    await overlay.setLastActiveAncestor(aumHash(updates[0]!));
    expect(await base.lastActiveAncestor()).not.toEqual(aumHash(updates[0]!));
  });

  it('children and heads join both sides without duplicates', async () => {
    const a = keyOf(1);
    const base = new MemoryStore();
    const { authority } = await Authority.create(base, stateOf([trusted(a)]), a);
    const [x] = await authority
      .newUpdater(a)
      .addKey(trusted(keyOf(2)))
      .finalize(base);
    await authority.inform(base, [x!]);
    const overlay = new OverlayStore(base);
    // A sibling of x, on the overlay only.
    const genesisHash = (await base.get(aumHash(x!)))!.prevAUMHash!;
    const trial = await Authority.open(overlay);
    const sibling = { ...x!, key: trusted(keyOf(3)), signatures: [] };
    await trial.inform(overlay, [signAUM(sibling, a)]);
    expect((await overlay.children(genesisHash)).length).toBe(2);
    expect((await overlay.heads()).length).toBe(2);
    await overlay.commit([x!]); // already in the base: still one copy
    expect((await overlay.children(genesisHash)).length).toBe(2);
  });
});
