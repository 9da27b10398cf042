import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { VerdictCache, fingerprint } from '../../src/netmap/verdict-cache.js';
import type { PeerVerdict } from '../../src/netmap/types.js';
import { signNodeKey } from '../../src/signing/direct.js';
import { b64, newNodeKey, nodeKeyText, stateTrusting } from '../nks-fixtures.js';

const admin = generateSigningKey();

/** Another text with the same length and fingerprint: one character the fingerprint does not sample changed. */
function twin(text: string): string {
  for (let i = 0; i < text.length; i++) {
    for (const c of 'AQgw') {
      if (text[i] === c) continue;
      const other = text.slice(0, i) + c + text.slice(i + 1);
      if (fingerprint(other) === fingerprint(text)) return other;
    }
  }
  throw new Error('no unsampled position');
}

const ok = (key: string): PeerVerdict => ({ ok: true, key, rotation: undefined });

describe('VerdictCache: entries found by fingerprint, hits only on equal texts', () => {
  it('a text with the same fingerprint is a miss, and takes the slot over', () => {
    const cache = new VerdictCache(10);
    cache.useHead('H');
    const a = b64(signNodeKey(admin, newNodeKey()));
    const b = twin(a);
    expect(b).not.toBe(a);
    cache.set(a, 'nodekey:1', ok('nodekey:1'));
    expect(cache.get(a, 'nodekey:1')).toEqual(ok('nodekey:1'));
    expect(cache.get(b, 'nodekey:1')).toBeUndefined();
    expect(cache.get(a, 'nodekey:2')).toBeUndefined();
    cache.set(b, 'nodekey:1', ok('other'));
    expect(cache.get(a, 'nodekey:1')).toBeUndefined();
    expect(cache.get(b, 'nodekey:1')).toEqual(ok('other'));
    expect(cache.size).toBe(1);
  });

  it('drops everything on a new head and keeps at most `capacity` entries, oldest out first', () => {
    const cache = new VerdictCache(2);
    cache.useHead('H1');
    const texts = ['AAAA', 'BBBB', 'CCCC'];
    for (const t of texts) cache.set(t, 'k', ok(t));
    expect(cache.size).toBe(2);
    expect(cache.get('AAAA', 'k')).toBeUndefined();
    expect(cache.get('CCCC', 'k')).toEqual(ok('CCCC'));
    cache.useHead('H1');
    expect(cache.size).toBe(2);
    cache.useHead('H2');
    expect(cache.size).toBe(0);
    expect(cache.get('CCCC', 'k')).toBeUndefined();
  });

  it('the verifier refuses a tampered signature whose text shares a cached valid one’s fingerprint', () => {
    const authority = { head: 'HEAD1', state: stateTrusting(admin) };
    const verifier = new NetmapVerifier(authority);
    const key = newNodeKey();
    const good = b64(signNodeKey(admin, key));
    const bad = twin(good);
    const peer = (sig: string) => ({ ID: 1, Key: nodeKeyText(key), KeySignature: sig });
    expect(verifier.filter({ Peers: [peer(good)] }).dropped).toEqual([]);
    const refused = verifier.filter({ Peers: [peer(bad)] });
    expect(refused.netmap.Peers).toEqual([]);
    expect(refused.dropped.map((d) => d.reason)).toEqual([
      expect.stringMatching(/^(BAD_SIGNATURE|MALFORMED_SIGNATURE|WRONG_NODE_KEY|UNTRUSTED_KEY)$/),
    ]);
    // and the valid one is checked afresh, not mistaken for the tampered one
    expect(verifier.filter({ Peers: [peer(good)] }).dropped).toEqual([]);
  });

  it('(property) evicts exactly as a Map evicting its first key would, whatever the sets, gets and heads', () => {
    const texts = ['AAAA', 'BBBB', 'CCCC', 'DDDD', 'EEEE', 'FFFF', 'GGGG'];
    const op = fc.oneof(
      fc.record({ set: fc.constantFrom(...texts), key: fc.constantFrom('k1', 'k2') }),
      fc.record({ get: fc.constantFrom(...texts), key: fc.constantFrom('k1', 'k2') }),
      fc.record({ head: fc.constantFrom('H1', 'H2') }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const cache = new VerdictCache(capacity);
        const model = new Map<string, string>(); // text → key, in insertion order
        let head = 'H1';
        cache.useHead(head);
        for (const o of ops) {
          if ('head' in o) {
            if (o.head !== head) model.clear();
            head = o.head;
            cache.useHead(head);
          } else if ('set' in o) {
            if (!model.has(o.set) && model.size >= capacity) model.delete(model.keys().next().value!);
            model.set(o.set, o.key);
            cache.set(o.set, o.key, ok(o.set));
          } else {
            const expected = model.get(o.get) === o.key ? ok(o.get) : undefined;
            expect(cache.get(o.get, o.key)).toEqual(expected);
          }
          expect(cache.size).toBe(model.size);
        }
      }),
      { numRuns: 500 },
    );
  });
});
