import { describe, expect, it } from 'vitest';
import { JsonText, jsonValue } from '../../src/wire/json-text.js';

// A JsonText reads its value from bytes until it is detached; then those bytes may change.

describe('JsonText', () => {
  const line = () => Buffer.from('[{"a":1}, {"b":"\\u00e9"} ,{"c":[2]}]');
  const texts = (bytes: Buffer): JsonText[] => [
    new JsonText(bytes, 1, 8),
    new JsonText(bytes, 10, 24),
    new JsonText(bytes, 26, 35),
  ];

  it('reads its text in place until detached, then keeps it though the bytes change', () => {
    const bytes = line();
    const [a] = texts(bytes);
    expect(a!.text).toBe('{"a":1}');
    expect(a!.span?.bytes).toBe(bytes);
    a!.detach();
    bytes.fill(0x20);
    expect(a!.span).toBeUndefined();
    expect(jsonValue(a)).toEqual({ a: 1 });
  });

  it('detaches many at once into one copy of the span they cover, whatever they were read from', () => {
    const bytes = line();
    const other = line();
    const list: unknown[] = [...texts(bytes), new JsonText(other, 10, 24), { plain: true }];
    const before = list.map((v) => (v instanceof JsonText ? v.text : v));
    JsonText.detachAll(list);
    bytes.fill(0x20);
    other.fill(0x20);
    expect(list.map((v) => (v instanceof JsonText ? v.text : v))).toEqual(before);
    const [a, b, c, d] = list as JsonText[];
    expect(a!.span!.bytes).toBe(c!.span!.bytes); // one copy for the texts of one memory
    expect(a!.span!.bytes.length).toBe(35 - 1);
    expect(d!.span!.bytes).not.toBe(a!.span!.bytes);
    expect(JSON.stringify([a, b])).toBe('[{"a":1},{"b":"é"}]');
  });
});
