import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLAIN_MAX_DEPTH, RecordedList, scanPlainJson } from '../../src/wire/plain-json.js';

// The byte reader of the hook's map responses answers only for "plain" JSON; for everything else
// the hook parses the text as before. What must never happen: it accepts bytes JSON.parse refuses,
// or reports spans that parse to something else than JSON.parse gives.

const scan = (text: string | Buffer, record = false) => {
  const lists: RecordedList[] = [];
  const result = scanPlainJson(typeof text === 'string' ? Buffer.from(text) : text, () => {
    if (!record) return undefined;
    const list = new RecordedList();
    lists.push(list);
    return list;
  });
  return { result, lists };
};
const accepts = (text: string | Buffer): boolean => scan(text).result !== undefined;

describe('scanPlainJson', () => {
  it('reads plain objects, with any JSON whitespace between tokens', () => {
    for (const text of [
      '{}',
      ' \t\r{ "a" : 1 , "b":[ ] ,"c":{ } }\t ',
      '{"a":-0.5e+10,"b":[true,false,null],"c":"\\u00e9\\n\\"","d":0,"e":1E-2}',
      '{"é":"ü","🙂":["\\ud800"]}',
    ]) {
      expect(accepts(text), text).toBe(true);
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    }
  });

  it('refuses what JSON.parse refuses', () => {
    for (const text of [
      '',
      '{',
      '{"a":1,}',
      '{"a" 1}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":-}',
      '{"a":1e}',
      '{"a":+1}',
      '{"a":tru}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":"tab\there"}',
      '{"a":[1,]}',
      '{"a":1}x',
      '{"a":1}{}',
      '\u00a0{}',
      '\ufeff{}',
      "{'a':1}",
      '{"a":NaN}',
    ]) {
      expect(accepts(text), text).toBe(false);
    }
  });

  it('leaves to JSON.parse what it chose not to read', () => {
    const deep = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    for (const text of [
      '[]', // not an object
      '"x"',
      '{"a":1,"a":2}', // a repeated key
      '{"a":{"b":1,"c":2,"b":3}}',
      '{"\\u0061":1}', // an escaped key
      '{"a":"\ufffd"}', // U+FFFD, which the text path cannot tell from a decoding error
      deep(PLAIN_MAX_DEPTH + 1),
    ]) {
      expect(accepts(text), text).toBe(false);
    }
    expect(accepts(deep(PLAIN_MAX_DEPTH))).toBe(true);
    expect(accepts(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d]))).toBe(false); // invalid UTF-8
  });

  it('finds a repeated key among many, and after siblings with the same keys', () => {
    const many = Array.from({ length: 60 }, (_, i) => `"k${i}":${i}`);
    expect(accepts(`{${many.join(',')}}`)).toBe(true);
    expect(accepts(`{${many.join(',')},"k7":1}`)).toBe(false);
    const sibling = '{"a":1,"b":2,"c":3}';
    expect(accepts(`{"l":[${sibling},${sibling},{"a":1,"b":2,"a":3}]}`)).toBe(false);
    expect(accepts(`{"l":[${sibling},{"a":1,"b":2,"c":3,"d":4},{"a":1,"b":2}]}`)).toBe(true);
    // Long keys go to the set at once; every later key of that object goes there too.
    const long = (c: string): string => 'k'.repeat(100) + c;
    expect(accepts(`{"${long('a')}":1,"${long('b')}":2,"s":3,"${long('c')}":4}`)).toBe(true);
    expect(accepts(`{"${long('a')}":1,"${long('b')}":2,"${long('a')}":3}`)).toBe(false);
    expect(accepts(`{"s":1,"${long('a')}":2,"t":3,"s":4}`)).toBe(false);
    const mixed = Array.from({ length: 30 }, (_, i) => (i === 3 ? `"${long('x')}":0` : `"k${i}":${i}`));
    expect(accepts(`{${mixed.join(',')},"k29":1}`)).toBe(false);
    expect(accepts(`{${mixed.join(',')},"k30":1}`)).toBe(true);
  });

  it('records the elements of the arrays it is handed a list for, and their members', () => {
    const text = '{"x":1,"L":[{"a":"s","b":"e\\n"}, 7 ,{}],"y":[1]}';
    const { result, lists } = scan(text, true);
    expect(result!.members.map((m) => text.slice(m.keyStart, m.keyEnd))).toEqual(['x', 'L', 'y']);
    const list = result!.lists.get(1)!;
    expect(lists).toContain(list);
    const element = (i: number): string => text.slice(list.elements[2 * i], list.elements[2 * i + 1]);
    expect([0, 1, 2].map(element)).toEqual(['{"a":"s","b":"e\\n"}', '7', '{}']);
    expect(list.memberFrom[0]).toBe(0);
    expect(list.memberFrom[1]).toBe(2);
    expect(list.memberFrom[3]).toBe(2);
    const m = list.members;
    expect(text.slice(m[2], m[3])).toBe('"s"');
    expect(m[4]).toBe(1); // a string without escapes
    expect(text.slice(m[7], m[8])).toBe('"e\\n"');
    expect(m[9]).toBe(0);
  });

  it('(property) never accepts what JSON.parse refuses, and its spans parse as JSON.parse reads them', () => {
    const interesting = '"\\,:{}[]0-.eE+ tnu\t\r\u0000\u001f\u007f';
    const mutation = fc.record({
      at: fc.nat(),
      op: fc.constantFrom('insert', 'replace', 'delete'),
      byte: fc.oneof(
        fc.constantFrom(...[...interesting].map((c) => c.charCodeAt(0))),
        fc.constantFrom(0x80, 0xc3, 0xff),
      ),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
        fc.array(mutation, { maxLength: 3 }),
        (value, mutations) => {
          let bytes = Buffer.from(JSON.stringify(value));
          for (const { at, op, byte } of mutations) {
            const i = at % (bytes.length + 1);
            const b = Buffer.of(byte);
            if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), b, bytes.subarray(i)]);
            else if (i < bytes.length) {
              bytes = Buffer.concat([
                bytes.subarray(0, i),
                op === 'replace' ? b : Buffer.alloc(0),
                bytes.subarray(i + 1),
              ]);
            }
          }
          const { result } = scan(bytes);
          if (result === undefined) return;
          const text = bytes.toString('utf8');
          const parsed = JSON.parse(text) as Record<string, unknown>;
          const rebuilt: Record<string, unknown> = {};
          for (const m of result.members) {
            Object.defineProperty(rebuilt, bytes.toString('utf8', m.keyStart, m.keyEnd), {
              value: JSON.parse(bytes.toString('utf8', m.valueStart, m.valueEnd)),
              enumerable: true,
            });
          }
          expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(parsed));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
