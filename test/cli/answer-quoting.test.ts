import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsedFaithfully, passedOnWhole } from '../../cli/answer-quoting.js';

// When the hook may answer with the map response's own bytes: the rules, against JSON.parse.

const faithful = (text: string): boolean => parsedFaithfully(text, JSON.parse(text));

describe('parsedFaithfully', () => {
  it('holds for any JSON text without a repeated key, however it is spaced', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t', ' \r\n'), (value, space) => {
        const text = JSON.stringify(value, null, space);
        fc.pre(!text.includes('\uFFFD'));
        expect(faithful(text)).toBe(true);
      }),
    );
  });

  it('fails when one object repeats a key, at any depth, whatever the strings around it hold', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }),
        fc.array(fc.string({ unit: fc.constantFrom('"', '\\', ':', '{', '[', 'a') })),
        fc.nat(3),
        (object, noise, depth) => {
          const [key, value] = Object.entries(object)[0]!;
          const repeated = `{${JSON.stringify(key)}:${JSON.stringify(value)},${JSON.stringify(object).slice(1)}`;
          let text = repeated;
          for (let i = 0; i < depth; i++) text = `{"n":${JSON.stringify(noise)},"in":[${text}]}`;
          expect(faithful(text)).toBe(false);
        },
      ),
    );
  });

  it('counts a colon, brace or escaped quote inside a string as part of the string', () => {
    expect(faithful('{"a:b":"c:\\"d{[:","e\\\\":{"f":"\\\\\\"g:"}}')).toBe(true);
    expect(faithful('{"a":"\\"","a":1}')).toBe(false);
  });

  it('fails for the repeated null that Go ignores and JSON.parse keeps', () => {
    expect(faithful('{"Peers":[{"ID":5,"Key":"k","ID":null}]}')).toBe(false);
  });

  it('fails for text that held invalid UTF-8 (decoded to U+FFFD)', () => {
    const text = Buffer.from([...Buffer.from('{"Name":"a'), 0xff, ...Buffer.from('"}')]).toString('utf8');
    expect(faithful(text)).toBe(false);
  });

  it('fails beyond 1000 levels of nesting, and holds at 1000', () => {
    const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    expect(faithful(nest(1000))).toBe(true);
    expect(faithful(nest(1001))).toBe(false);
  });
});

describe('passedOnWhole', () => {
  const peers = [{ ID: 1 }];
  const resp = { Peers: peers, Domain: 'x' };

  it('holds for a shallow copy with the same values', () => {
    expect(passedOnWhole(resp, { ...resp })).toBe(true);
  });

  it('fails for a replaced, added or removed member', () => {
    expect(passedOnWhole(resp, { ...resp, Peers: [...peers] })).toBe(false);
    expect(passedOnWhole(resp, { ...resp, PeersRemoved: [2] })).toBe(false);
    expect(passedOnWhole(resp, { Peers: peers })).toBe(false);
    expect(passedOnWhole(resp, { Peers: peers, domain: 'x' })).toBe(false);
  });
});
