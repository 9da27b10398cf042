import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClaimScanner } from '../../src/netmap/claim-scanner.js';

// The scanner guesses (Key, KeySignature) pairs from a map response's bytes as they arrive. A
// guess is only a head start (a verdict is cached under both texts), so these tests pin down what
// it finds in the layout Go writes, and that a piece boundary anywhere changes nothing.

const key = (i: number): string => `nodekey:${i.toString(16).padStart(64, '0')}`;
const sig = (i: number): string => Buffer.from(`signature-${i}-`.repeat(8)).toString('base64');

/** A map response laid out as Go's encoder writes a tailcfg.Node, with `n` peers. */
function goShapedResponse(n: number): string {
  const peers = Array.from({ length: n }, (_, i) => ({
    ID: i + 1,
    Name: `node-${i}.ts.net.`,
    Key: key(i),
    KeyExpiry: '2027-01-01T00:00:00Z',
    KeySignature: sig(i),
    Hostinfo: { Hostname: `h${i}`, Services: [{ Proto: 'tcp', Port: 22 }] },
  }));
  return JSON.stringify({ Node: { ID: 99, Key: key(99), KeySignature: sig(99) }, Peers: peers });
}

function scan(pieces: readonly Uint8Array[]): [string, string][] {
  const scanner = new ClaimScanner();
  const found: [string, string][] = [];
  for (const piece of pieces) scanner.push(piece, (k, s) => found.push([k, s]));
  return found;
}

/** `bytes` cut at `cuts` (sorted, deduplicated offsets). */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts)].sort((a, b) => a - b);
  return [0, ...at].map((start, i) => bytes.subarray(start, at[i] ?? bytes.length));
}

describe('ClaimScanner', () => {
  it('finds every pair of a Go-shaped response, this node’s included, in order', () => {
    const found = scan([Buffer.from(goShapedResponse(50))]);
    expect(found).toEqual([
      [key(99), sig(99)],
      ...Array.from({ length: 50 }, (_, i): [string, string] => [key(i), sig(i)]),
    ]);
  });

  it('finds the same pairs however the bytes are cut into pieces', () => {
    const bytes = Buffer.from(goShapedResponse(20));
    const whole = scan([bytes]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        expect(scan(cut(bytes, cuts))).toEqual(whole);
      }),
    );
    // One byte at a time: every boundary at once.
    expect(scan(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('does not keep the caller’s piece: a reused buffer does not change what a later piece completes', () => {
    const bytes = Buffer.from(goShapedResponse(3));
    const split = bytes.indexOf('"KeySignature"') + 5;
    const scanner = new ClaimScanner();
    const found: string[] = [];
    const first = Buffer.from(bytes.subarray(0, split));
    scanner.push(first, (_, s) => found.push(s));
    first.fill(0x20); // the caller reuses its memory
    scanner.push(bytes.subarray(split), (_, s) => found.push(s));
    expect(found).toEqual([sig(99), sig(0), sig(1), sig(2)]);
  });

  it('claims nothing for a signature with no Key before it, a Key of the wrong length, or an empty signature', () => {
    const text = JSON.stringify([
      { KeySignature: sig(1) },
      { Key: 'nodekey:12', KeySignature: sig(2) },
      { Key: key(3), KeySignature: '' },
    ]);
    expect(scan([Buffer.from(text)])).toEqual([]);
  });

  it('pairs a signature only with a Key after the previous signature', () => {
    const text = `[{"Key":"${key(1)}","KeySignature":"${sig(1)}"},{"KeySignature":"${sig(2)}"}]`;
    expect(scan([Buffer.from(text)])).toEqual([[key(1), sig(1)]]);
  });

  it('takes texts as written: an escaped one is a guess that nothing parsed will match', () => {
    const text = `{"Key":"${key(1)}","KeySignature":"\\u0041${sig(1)}"}`;
    expect(scan([Buffer.from(text)])).toEqual([[key(1), `\\u0041${sig(1)}`]]);
  });
});
