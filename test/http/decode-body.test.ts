import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { arrayOf, boolean, decodeBody, integer, line, MAX_DEPTH, object, optional, required, type Type } from '../../server/http/decode-body.js';
import { SEND_BODY } from '../../server/http/send-message.js';

const SAMPLE = object({ IDs: optional(arrayOf(line)), Read: optional(boolean), Count: required(integer) });

const recase = (key: string) =>
  fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }).map((upper) => [...key].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));

describe('decodeBody', () => {
  test.prop([fc.record({ IDs: fc.array(fc.string({ unit: 'grapheme-ascii' }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s))), Read: fc.boolean(), Count: fc.integer() }), recase('IDs'), recase('Read'), recase('Count')], {
    numRuns: 200,
  })('reads every case spelling of the keys as the declared name', (value, ids, read, count) => {
    const respelt = { [ids]: value.IDs, [read]: value.Read, [count]: value.Count };
    expect(decodeBody(respelt, SAMPLE)).toEqual({ ok: true, value });
  });

  test.prop([fc.jsonValue({ maxDepth: 4 })], { numRuns: 500 })('never throws on any JSON, and an answer is a value or a message', (value) => {
    const types: Array<Type<unknown>> = [SAMPLE, SEND_BODY];
    for (const type of types) {
      const decoded = decodeBody(value, type);
      if (!decoded.ok) expect(decoded.error.length).toBeGreaterThan(0);
      else expect(typeof decoded.value).toBe('object');
    }
  });

  test.prop([fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'CONSTRUCTOR'), fc.integer({ min: 0, max: 3 })], { numRuns: 200 })(
    'refuses a prototype key at any depth',
    (inner, key, depth) => {
      let value: unknown = JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(inner)}}`);
      for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { Items: value };
      const decoded = decodeBody({ Count: 1, Extra: value }, SAMPLE);
      expect(decoded).toEqual({ ok: false, error: `forbidden key "${key}" in the request body` });
    },
  );

  it('refuses nesting past the limit without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(decodeBody({ Count: 1, IDs: deep }, SAMPLE)).toEqual({ ok: false, error: `the request body nests deeper than ${MAX_DEPTH} levels` });
  });

  it('names the key in every refusal', () => {
    expect(decodeBody(undefined, SAMPLE)).toEqual({ ok: false, error: 'missing key "Count" in the request body' });
    expect(decodeBody({ Count: 1.5 }, SAMPLE)).toEqual({ ok: false, error: '"Count" must be a whole number, not 1.5' });
    expect(decodeBody({ Count: 1, ids: ['a'], IDS: [] }, SAMPLE)).toEqual({ ok: false, error: 'key "IDS" repeats "ids" in the request body' });
    expect(decodeBody({ Count: 1, IDs: ['a', 2] }, SAMPLE)).toEqual({ ok: false, error: '"IDs[1]" must be a string, not 2' });
    expect(decodeBody({ Count: 1, Ids: ['a\u001bb'] }, SAMPLE)).toEqual({ ok: false, error: '"IDs[0]" holds a control character (U+001b)' });
    expect(decodeBody({ Count: 1, 'ＩＤｓ': [] }, SAMPLE)).toEqual({ ok: false, error: 'unknown key "ＩＤｓ" in the request body' });
  });
});
