import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { ClaimScanner, type ScannedTexts } from '../../src/netmap/claim-scanner.js';
import { MapResponseReader, type MapResponseView } from '../../src/netmap/map-response.js';
import { readMapResponseBytes, wasReadFromBytes } from '../../src/netmap/map-response-bytes.js';
import { type EntryList, PeerColumns, type PeerEntry } from '../../src/netmap/peer-columns.js';
import type { Netmap } from '../../src/netmap/types.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';
import { lineBytes, response } from './map-response-texts.js';

// The hook reads map responses from their bytes (map-response-bytes.ts) when they are plain JSON,
// and with JSON.parse otherwise. For texts a hostile server could write (names in any case or
// twice, escapes, numbers in every form, entries that are not objects, non-ASCII keys and values),
// whatever the byte reader answers is what JSON.parse gives, and MapResponseReader reads the same
// from both.

/** What a prefetch's scan of `bytes` cuts from them, in pieces as a pipe delivers them. */
function scannedTexts(bytes: Buffer): ScannedTexts {
  const scanner = new ClaimScanner();
  for (let at = 0; at < bytes.length; at += 37) scanner.push(bytes.subarray(at, at + 37), () => {});
  return scanner.texts;
}

/** What a reader made of a response: the parts the verifier judges, or the error it threw. */
function summary(read: () => MapResponseView): unknown {
  let view: MapResponseView;
  try {
    view = read();
  } catch (e) {
    return { error: (e as Error).message };
  }
  const columns = (c: EntryList<PeerEntry> | undefined): unknown =>
    !(c instanceof PeerColumns)
      ? c?.items
      : {
          ids: [...c.ids],
          keys: [...c.keys],
          sigs: [...c.sigs],
          apiOnly: [...c.apiOnly],
          names: [...c.names],
          unreadable: [...c.unreadable],
          superseded: [...c.superseded],
          nodes: c.nodes.map((n) => JSON.stringify(n)),
        };
  return {
    keyOf: view.keyOf,
    full: columns(view.full),
    upserts: columns(view.upserts),
    removals: view.removals,
    badRemovals: view.badRemovals,
    patches: view.patches,
    self: view.self === undefined ? undefined : { ...view.self, node: JSON.stringify(view.self.node) },
  };
}

describe('readMapResponseBytes (property)', () => {
  it('answers only with what JSON.parse gives, and reads as MapResponseReader reads the parsed text', () => {
    let read = 0;
    fc.assert(
      fc.property(response, response, (text, other) => {
        const bytes = Buffer.from(text);
        const fromBytes = readMapResponseBytes(bytes);
        const parsed = JSON.parse(text) as unknown;
        if (fromBytes === undefined) return;
        read++;
        expect(wasReadFromBytes(fromBytes)).toBe(true);
        expect(JSON.stringify(fromBytes)).toBe(JSON.stringify(parsed));
        expect(Object.keys(fromBytes)).toEqual(Object.keys(parsed as object));
        const expected = summary(() => new MapResponseReader().read(parsed));
        expect(summary(() => new MapResponseReader().read(fromBytes))).toEqual(expected);
        // Texts a scan cut from these bytes, or from other bytes: taken only where they are the same.
        for (const scanned of [scannedTexts(bytes), scannedTexts(Buffer.from(other))]) {
          const withTexts = readMapResponseBytes(bytes, scanned)!;
          expect(JSON.stringify(withTexts)).toBe(JSON.stringify(parsed));
          expect(summary(() => new MapResponseReader().read(withTexts))).toEqual(expected);
        }
      }),
      { numRuns: 2000 },
    );
    expect(read).toBeGreaterThan(500); // many are plain (no repeated key): the byte reader answers
  });

  it('leaves to JSON.parse a response with a repeated key, an escaped key or invalid UTF-8', () => {
    for (const text of [
      '{"Peers":[{"ID":1,"ID":2}]}',
      '{"Peers":[],"Peers":[{"ID":1}]}',
      '{"Peers":[{"\\u004bey":"x"}]}',
      '{"__proto__":{"Peers":[]}}',
    ]) {
      expect(readMapResponseBytes(Buffer.from(text)), text).toBeUndefined();
    }
    expect(readMapResponseBytes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toBeUndefined();
  });
});

describe('a verifier fed responses read from bytes', () => {
  const admin = generateSigningKey();
  const key = newNodeKey();
  const node = {
    ID: 5,
    Name: 'n5.ts.net.',
    Key: nodeKeyText(key),
    KeySignature: b64(signNodeKey(admin, key)),
  };
  const fromBytes = (resp: object): { resp: Netmap; bytes: Buffer } => {
    const bytes = lineBytes(JSON.stringify(resp));
    return { resp: readMapResponseBytes(bytes)!, bytes };
  };

  it('keeps what it needs of a line past the life of its bytes: a refused upsert sent once authorised', async () => {
    const authority = { head: 'H-none', state: stateTrusting() };
    const verifier = new NetmapVerifier(authority);
    const first = fromBytes({ PeersChanged: [node] });
    expect((await verifier.filterAsync(first.resp)).dropped).toHaveLength(1);
    expect(verifier.holdsMemory(first.bytes.buffer)).toBe(false);
    first.bytes.fill(0x20); // the line's memory goes to the next line
    authority.head = 'H-admin';
    authority.state = stateTrusting(admin);
    const next = fromBytes({});
    const out = await verifier.filterAsync(next.resp);
    expect(JSON.parse(JSON.stringify(out.netmap))).toEqual({ PeersChanged: [node] });
  });

  it('says it holds the memory of the last full list until a delta makes it keep the entries', async () => {
    const authority = { head: 'H-none', state: stateTrusting() };
    const verifier = new NetmapVerifier(authority);
    const full = fromBytes({ Peers: [node] });
    await verifier.filterAsync(full.resp);
    expect(verifier.holdsMemory(full.bytes.buffer)).toBe(true);
    await verifier.filterAsync(fromBytes({ Domain: 'x' }).resp); // changes no node: still unindexed
    expect(verifier.holdsMemory(full.bytes.buffer)).toBe(true);
    authority.head = 'H-admin';
    authority.state = stateTrusting(admin);
    await verifier.filterAsync(fromBytes({ Domain: 'y' }).resp); // judged again: its entries are kept
    await verifier.filterAsync(fromBytes({ Domain: 'z' }).resp); // and the saved state moves on
    expect(verifier.holdsMemory(full.bytes.buffer)).toBe(false);
    full.bytes.fill(0x20);
    authority.head = 'H-none';
    authority.state = stateTrusting();
    await verifier.filterAsync(fromBytes({}).resp); // refused now
    authority.head = 'H-admin';
    authority.state = stateTrusting(admin);
    const out = await verifier.filterAsync(fromBytes({}).resp); // authorised again: sent whole
    expect(JSON.parse(JSON.stringify(out.netmap))).toEqual({ PeersChanged: [node] });
  });
});
