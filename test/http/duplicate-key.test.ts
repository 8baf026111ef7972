import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { firstDuplicateKey } from '../../server/lib/duplicate-key.js';

describe('firstDuplicateKey', () => {
  it('finds a name repeated in one object, at any depth, escaped or not', () => {
    expect(firstDuplicateKey('{"IDs":["x"],"IDs":[]}')).toBe('IDs');
    expect(firstDuplicateKey('{"a":{"b":1,"b":2}}')).toBe('b');
    expect(firstDuplicateKey('[{"a":1},{"a":2,"\\u0061":3}]')).toBe('a');
    expect(firstDuplicateKey('{"a":"\\"a\\":","a":1}')).toBe('a');
  });

  it('lets the same name stand in different objects, and strings that look like names', () => {
    expect(firstDuplicateKey('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(firstDuplicateKey('{"a":{"a":{"a":1}}}')).toBeUndefined();
    expect(firstDuplicateKey('{"a":["a","a"],"b":"a"}')).toBeUndefined();
    expect(firstDuplicateKey('"a"')).toBeUndefined();
  });

  // Any object serialised by JSON.stringify has unique names; splicing one pair in again must be found.
  test.prop([fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 8 })], { numRuns: 300 })('finds exactly the pair spliced in again', (value, name) => {
    const text = JSON.stringify(value);
    expect(firstDuplicateKey(text)).toBeUndefined();
    const doubled = `{${JSON.stringify(name)}:${text},${JSON.stringify(name)}:0}`;
    expect(firstDuplicateKey(doubled)).toBe(name);
  });
});
