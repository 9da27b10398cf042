import { describe, expect, it } from 'vitest';
import { AUMKind, aumHash } from '../../src/model/aum.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { describeAumStoreConformance } from './conformance.js';

describeAumStoreConformance('MemoryStore', () => Promise.resolve(new MemoryStore()));

describe('MemoryStore commit times', () => {
  it("keeps the first commit time of an AUM committed again (Tailscale's Mem overwrites it)", async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ clock: () => now });
    const aum = { messageKind: AUMKind.NoOp, prevAUMHash: null };
    await store.commit([aum]);
    now += 60_000;
    await store.commit([aum]);
    expect(await store.commitTime(aumHash(aum))).toBe(1_000_000);
  });
});
