import { describe, expect, it } from 'vitest';
import type { TlockError } from '../../src/index.js';
import { decodeAUM, decodeNodeKeySignature, encodeAUM } from '../../src/index.js';
import { hex, toHexString } from '../support/vectors.js';
import { expectTlockError } from '../support/tlock-error.js';

// docs/FORMAT.md §3: decoding accepts and rejects exactly what Tailscale's decoder does.

function decodeError(bytes: Uint8Array): TlockError {
  return expectTlockError(() => decodeAUM(bytes), 'DECODE');
}

/** CBOR for an array of n small uints. */
function arrayOf(n: number): string {
  const head =
    n < 24
      ? (0x80 + n).toString(16)
      : n < 256
        ? '98' + n.toString(16).padStart(2, '0')
        : '99' + n.toString(16).padStart(4, '0');
  return head + '00'.repeat(n);
}

/** CBOR for a map of n pairs with distinct text keys (under unknown AUM key 9). */
function mapOf(n: number): string {
  const head =
    n < 24
      ? (0xa0 + n).toString(16)
      : n < 256
        ? 'b8' + n.toString(16).padStart(2, '0')
        : 'b9' + n.toString(16).padStart(4, '0');
  let body = '';
  for (let i = 0; i < n; i++) body += '19' + i.toString(16).padStart(4, '0') + '00';
  return head + body;
}

describe('decoding refuses', () => {
  const cases: [string, string, RegExp][] = [
    ['duplicate map keys', 'a3 0103 02f6 0104', /duplicate map key 1/],
    ['duplicate keys in a nested map', 'a3 0101 02f6 03a4 0101 0201 03f6 0102', /duplicate map key 1/],
    [
      'duplicate keys in meta',
      'a3 0103 02f6 07a2 616101 6161 02'.replace(/01 6161 02/, '6162 6161 6163'),
      /duplicate map key "a"/,
    ],
    ['duplicate unknown keys', 'a3 0103 1863 00 1863 00', /duplicate map key 99/],
    ['text key "1" after integer key 1', 'a3 0103 02f6 6131 03', /duplicate map key 1/],
    ['an indefinite-length map', 'bf 0103 02f6 ff', /indefinite/],
    ['an indefinite-length array', 'a3 0103 02f6 17 9f ff', /indefinite/],
    ['an indefinite-length byte string', 'a2 0103 02 5f 4101 ff', /indefinite/],
    ['an indefinite-length text string under an unknown key', 'a3 0103 02f6 09 7f ff', /indefinite/],
    ['a tag', 'a2 0103 02 c2 4101', /tags are not allowed/],
    ['a tag under an unknown key', 'a3 0103 02f6 09 c1 00', /tags are not allowed/],
    ['invalid UTF-8 in meta', 'a3 0103 02f6 07a1 62c328 6161', /not valid UTF-8/],
    ['invalid UTF-8 in a text map key', 'a2 0103 62c328 00', /not valid UTF-8/],
    ['a byte-string map key', 'a2 0103 4101 00', /only integer and text keys/],
    ['an array map key', 'a2 0103 80 00', /only integer and text keys/],
    ['a map key below int64', 'a2 0103 3b8000000000000000 00', /overflows int64/],
    [
      '2^64-1 and -1 as keys (Go wraps the first to int64 -1)',
      'a3 0103 1bffffffffffffffff 00 20 00',
      /duplicate map key -1/,
    ],
    [
      'a null meta key after another key (Go repeats the previous key)',
      'a3 0103 02f6 07a2 6161 6178 f6 6179',
      /duplicate map key "a"/,
    ],
    ['true for messageKind', 'a2 01f5 02f6', /expected an unsigned integer/],
    ['false in an array of bytes', 'a2 0103 02 81 f4', /expected an unsigned integer/],
    ['a messageKind that overflows uint8', 'a2 01190100 02f6', /overflows uint8/],
    ['a byte string for messageKind', 'a2 014101 02f6', /expected an unsigned integer/],
    ['a negative messageKind', 'a2 0120 02f6', /expected an unsigned integer/],
    ['a float for messageKind', 'a2 01f93c00 02f6', /expected an unsigned integer/],
    ['text where bytes are expected', 'a2 0103 026161', /expected a byte string/],
    ['an array item over 255 where bytes are expected', 'a2 0103 02 81 190100', /overflows uint8/],
    ['a non-map Key', 'a3 0101 02f6 03 80', /expected a map/],
    ['a top-level array', '80', /expected a map/],
    ['trailing bytes', 'a2 0103 02f6 00', /trailing/],
    ['truncated input', 'a2 0103 02 58 20 0000', /truncated/],
    ['empty input', '', /empty/],
    ['a stray break byte', 'a2 0103 02 ff', /break/],
    ['reserved additional information', 'a2 0103 02 1c', /reserved/],
    ['a two-byte simple value below 32', 'a3 0103 02f6 09 f8 10', /simple value/],
    ['an array of 4097 items', 'a3 0103 02f6 09 ' + arrayOf(4097), /4097 items/],
    ['a map of 1025 pairs', 'a3 0103 02f6 09 ' + mapOf(1025), /1025 pairs/],
  ];
  for (const [name, h, message] of cases) {
    it(name, () => {
      expect(decodeError(hex(h)).message).toMatch(message);
    });
  }

  it('nesting deeper than 16 levels (the outermost map is level 1)', () => {
    // 15 nested arrays under an unknown key: 1 map + 15 arrays = 16 levels, accepted.
    const ok = 'a3 0103 02f6 09' + '81'.repeat(14) + '80';
    expect(() => decodeAUM(hex(ok))).not.toThrow();
    const deep = 'a3 0103 02f6 09' + '81'.repeat(15) + '80';
    expect(decodeError(hex(deep)).message).toMatch(/nesting deeper than 16/);
  });

  it('node-key signatures nested 17 deep', () => {
    let nks = 'a10101';
    for (let i = 0; i < 15; i++) nks = 'a2 0102 05' + nks;
    expect(() => decodeNodeKeySignature(hex(nks))).not.toThrow();
    expectTlockError(
      () => decodeNodeKeySignature(hex('a2 0102 05' + nks)),
      'DECODE',
      /nesting deeper than 16/,
    );
  });
});

describe('decoding accepts and normalises', () => {
  const canonical = 'a3010202f604420102'; // RemoveKey, keyID 0102
  const cases: [string, string, string][] = [
    [
      'integers in a longer form than needed',
      'a3 1801 1802 02f6 04 5800 '.replace('5800 ', '590002 0102'),
      canonical,
    ],
    ['map keys out of order', 'a3 04420102 0102 02f6', canonical],
    ['an unknown integer key', 'a4 0102 02f6 04420102 1863 a1 6161 6162', canonical],
    ['a negative-integer key', 'a4 0102 02f6 04420102 20 00', canonical],
    ['an unknown text key', 'a4 0102 02f6 04420102 6178 00', canonical],
    ['a text key "1" standing for field 1', 'a3 6131 02 02f6 04420102', canonical],
    ['an array of small integers where bytes are expected', 'a3 0102 02f6 04 820102', canonical],
    ['undefined (0xf7) for an unset field', 'a3 0102 02f7 04420102', canonical],
    ['null for an omit-empty field', 'a4 0102 02f6 04420102 05f6', canonical],
    ['invalid UTF-8 inside an unknown value', 'a4 0102 02f6 04420102 09 62c328', canonical],
    ['duplicate keys inside an unknown value', 'a4 0102 02f6 04420102 09 a2 0100 0100', canonical],
    ['a float inside an unknown value', 'a4 0102 02f6 04420102 09 fb3ff0000000000000', canonical],
    ['a top-level null (every field unset)', 'f6', 'a20100 02f6'],
    ['a top-level empty map', 'a0', 'a20100 02f6'],
    [
      'a 31-byte lastAUMHash, zero-padded',
      'a3 0105 02f6 05a3 01581f' + 'ab'.repeat(31) + ' 02f6 03f6',
      'a3 0105 02f6 05a3 015820' + 'ab'.repeat(31) + '00 02f6 03f6',
    ],
    [
      'a 33-byte lastAUMHash, cut',
      'a3 0105 02f6 05a3 015821' + 'cd'.repeat(33) + ' 02f6 03f6',
      'a3 0105 02f6 05a3 015820' + 'cd'.repeat(32) + ' 02f6 03f6',
    ],
    [
      'state IDs of 0, left out',
      'a3 0105 02f6 05a5 01f6 02f6 03f6 0400 0500',
      'a3 0105 02f6 05a3 01f6 02f6 03f6',
    ],
    [
      'a null meta value in the first pair, read as ""',
      'a3 0103 02f6 07a1 6161 f6',
      'a3 0103 02f6 07a1 6161 60',
    ],
    ['an empty meta map, left out', 'a3 0103 02f6 07a0', 'a20103 02f6'],
    ['an empty keyID, left out', 'a3 0103 02f6 0440', 'a20103 02f6'],
    [
      'a map key of 2^63 and more, as an unknown key (Go wraps it to int64)',
      'a3 0103 02f6 1b8000000000000001 00',
      'a20103 02f6',
    ],
    [
      'a simple value where an unsigned integer is expected (Go stores its number)',
      'a2 01e3 02f6',
      'a20103 02f6',
    ],
    [
      'a two-byte simple value in a uint64 field',
      'a3 0105 02f6 05a4 01f6 02f6 03f6 04f8ff',
      'a3 0105 02f6 05a4 01f6 02f6 03f6 0418ff',
    ],
    ['simple values in an array of bytes', 'a3 0103 02f6 04 83 e0 e5 f8ff', 'a3 0103 02f6 04 43 0005ff'],
    [
      'a null meta value, repeating the previous value as Go does',
      'a3 0103 02f6 07a2 6161 6178 6162 f6',
      'a3 0103 02f6 07a2 6161 6178 6162 6178',
    ],
    [
      'a null meta key in the first pair, read as ""',
      'a3 0103 02f6 07a1 f6 6162',
      'a3 0103 02f6 07a1 60 6162',
    ],
  ];
  for (const [name, input, output] of cases) {
    it(name, () => {
      expect(toHexString(encodeAUM(decodeAUM(hex(input))))).toBe(output.replace(/\s+/g, ''));
    });
  }

  it('keeps a present-but-empty keyID and meta present, as Tailscale does for validation', () => {
    expect(decodeAUM(hex('a3 0103 02f6 0440')).keyID).toEqual(new Uint8Array(0));
    expect(decodeAUM(hex('a3 0103 02f6 07a0')).meta).toEqual({});
    expect(decodeAUM(hex('a3 0103 02f6 04f6')).keyID).toBeUndefined();
  });

  it('accepts exactly 4096 array items and 1024 map pairs', () => {
    expect(() => decodeAUM(hex('a3 0103 02f6 09 ' + arrayOf(4096)))).not.toThrow();
    expect(() => decodeAUM(hex('a3 0103 02f6 09 ' + mapOf(1024)))).not.toThrow();
  });

  it('reads uint64 votes above 2^53 as bigint and writes them back exactly', () => {
    const input = 'a4 0104 02f6 044101 061bffffffffffffffff';
    const aum = decodeAUM(hex(input));
    expect(aum.votes).toBe(2n ** 64n - 1n);
    expect(toHexString(encodeAUM(aum))).toBe(input.replace(/\s+/g, ''));
  });

  it('copies bytes out of the input', () => {
    const input = hex('a3010202f604420102');
    const aum = decodeAUM(input);
    input[7] = 0xff;
    expect(aum.keyID).toEqual(hex('0102'));
  });

  it('reads a meta key "__proto__" as data', () => {
    const aum = decodeAUM(hex('a3 0103 02f6 07a1 695f5f70726f746f5f5f 6178'));
    expect(Object.keys(aum.meta!)).toEqual(['__proto__']);
    expect(aum.meta!['__proto__']).toBe('x');
  });
});

describe('decoding refuses a non-Uint8Array with INVALID_ARGUMENT', () => {
  for (const value of ['a0', null, undefined, 42, [0xa0]]) {
    it(String(JSON.stringify(value)), () => {
      expectTlockError(() => decodeAUM(value as unknown as Uint8Array), 'INVALID_ARGUMENT');
    });
  }
});
