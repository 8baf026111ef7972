import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SEEN } from '../../server/store/types.js';
import { startApi, type ApiBox } from './http-helpers.js';

/**
 * PUT and DELETE /api/v1/messages with random bodies: random spellings and case of the
 * keys, unknown keys, wrong types, prototype keys, nesting. Each answer is either a 4xx
 * that leaves every message and flag as it was, or one of Mailpit's documented forms
 * doing exactly what the model below says. The model reads the JSON the way Mailpit
 * documents it, independently of the server's decoder.
 */

const SUBJECTS = ['alpha 0', 'beta 1', 'alpha 2', 'gamma 3', 'beta 4'];
const N = SUBJECTS.length;
/** Searches whose matches are known from SUBJECTS; null = the search does not compile. */
const SEARCHES: Record<string, number[] | null> = {
  'subject:alpha': [0, 2],
  'subject:beta': [1, 4],
  'subject:"alpha 2"': [2],
  'subject:nomatch': [],
  nope: [],
  'Ωμ': [],
  'from:': null,
  'is:wat': null,
};

/** A JSON value as a tree, so an object may carry own keys like `__proto__` when written out. */
type Json = { leaf: unknown } | { items: Json[] } | { entries: Array<[string, Json]> };

function write(value: Json): string {
  if ('leaf' in value) return JSON.stringify(value.leaf);
  if ('items' in value) return `[${value.items.map(write).join(',')}]`;
  return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(',')}}`;
}

const caseOf = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) => [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));
const knownKey = fc.constantFrom('IDs', 'Read', 'Search').chain(caseOf);
const prototypeKey = fc.constantFrom('__proto__', 'constructor', 'prototype').chain(caseOf);
const unknownKey = fc.oneof(
  fc.constantFrom('ID', 'Id', 'IDs ', ' IDs', 'I_Ds', 'Query', 'All', 'Tags', 'ıds', 'İDs', 'IDſ', 'Ｉｄｓ', ''),
  fc.string({ maxLength: 6 }),
);
const anyKey = fc.oneof({ weight: 6, arbitrary: knownKey }, { weight: 2, arbitrary: unknownKey }, { weight: 1, arbitrary: prototypeKey });

/** `@i` stands for the i-th message's ID, filled in once the store is set up. */
const idRef = fc.integer({ min: 0, max: N - 1 }).map((i) => `@${i}`);
/** Strings whose effect as a Search is known too: random text lives in the keys. */
const text = fc.oneof(idRef, fc.constantFrom('', ' ', 'a\u0000b', 'x\ny', ...Object.keys(SEARCHES)));
const leaf = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)).map((v): Json => ({ leaf: v }));

/** Objects with distinct exact keys: JSON.parse keeps only the last of repeated keys. */
const entriesOf = (value: fc.Arbitrary<Json>, key: fc.Arbitrary<string>, maxLength: number) =>
  fc.uniqueArray(fc.tuple(key, value), { maxLength, selector: ([k]) => k });

/** Nesting stays far below the decoder's depth limit (strict-body.test.ts covers that). */
const { tree } = fc.letrec<{ tree: Json }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', maxDepth: 5, withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }).map((items): Json => ({ items })),
    entriesOf(tie('tree'), anyKey, 3).map((entries): Json => ({ entries })),
  ),
}));

/** Mostly well-typed values, so the documented forms come up often. */
const goodValue = fc.oneof(
  fc.array(idRef, { maxLength: 3 }).map((ids): Json => ({ items: ids.map((leaf) => ({ leaf })) })),
  fc.boolean().map((leaf): Json => ({ leaf })),
  fc.constantFrom(...Object.keys(SEARCHES), ' ').map((leaf): Json => ({ leaf })),
);
const topObject = entriesOf(fc.oneof({ weight: 3, arbitrary: goodValue }, { weight: 1, arbitrary: tree }), anyKey, 3).map((entries) => write({ entries }));
/** What a Mailpit client sends: some of IDs, Read and Search, in any case, well typed. */
const valueFor: Record<string, fc.Arbitrary<Json>> = {
  IDs: fc.array(idRef, { minLength: 1, maxLength: 3 }).map((ids): Json => ({ items: ids.map((leaf) => ({ leaf })) })),
  Read: fc.boolean().map((leaf): Json => ({ leaf })),
  Search: fc.constantFrom(...Object.keys(SEARCHES)).map((leaf): Json => ({ leaf })),
};
const clientShaped = fc
  .subarray(Object.keys(valueFor), { minLength: 1 })
  .chain((names) => fc.tuple(...names.map((name) => fc.tuple(caseOf(name), valueFor[name] as fc.Arbitrary<Json>))))
  .map((entries) => write({ entries }));
const body = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', '{}', '{"IDs":[]}', 'null', '[]', '0', '"IDs"', 'true', '{"IDs":null}') },
  { weight: 3, arbitrary: clientShaped },
  { weight: 6, arbitrary: topObject },
);

type Outcome = { refused: true } | { refused: false; deleted?: Set<string>; read?: { ids: Set<string>; value: boolean } };

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const isLineArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && !CONTROL.test(s));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function hasPrototypeKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasPrototypeKey);
  if (!isObject(value)) return false;
  return Object.entries(value).some(([k, v]) => /^(__proto__|constructor|prototype)$/i.test(k) || hasPrototypeKey(v));
}

/** The body's keys by their Mailpit name, or undefined when a key is unknown or given twice. */
function keysOf(value: Record<string, unknown>, names: string[]): Map<string, unknown> | undefined {
  const found = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value)) {
    const name = names.find((n) => new RegExp(`^${n}$`, 'i').test(key));
    if (name === undefined || found.has(name)) return undefined;
    found.set(name, v);
  }
  return found;
}

/** Mailpit's documented forms (mailpit-api.md §2.2), with every other body refused. */
function model(method: 'PUT' | 'DELETE', text: string | undefined, ids: string[]): Outcome {
  const all = new Set(ids);
  if (text === undefined || text.trim() === '') return method === 'DELETE' ? { refused: false, deleted: all } : { refused: false, read: { ids: all, value: false } };
  const value: unknown = JSON.parse(text);
  if (!isObject(value) || hasPrototypeKey(value)) return { refused: true };
  const keys = keysOf(value, method === 'DELETE' ? ['IDs'] : ['IDs', 'Read', 'Search']);
  if (!keys) return { refused: true };
  // A key given as null is not left out: only absence takes the default.
  const given = keys.has('IDs') ? keys.get('IDs') : [];
  const read = keys.has('Read') ? keys.get('Read') : false;
  const search = keys.get('Search');
  if (!isLineArray(given) || typeof read !== 'boolean') return { refused: true };
  const named = new Set(given.filter((id) => all.has(id)));
  if (method === 'DELETE') return { refused: false, deleted: given.length > 0 ? named : all };
  if (search !== undefined && (typeof search !== 'string' || CONTROL.test(search) || search.trim() === '')) return { refused: true };
  if (given.length > 0 && search !== undefined) return { refused: true };
  if (given.length > 0) return { refused: false, read: { ids: named, value: read } };
  if (search === undefined) return { refused: false, read: { ids: all, value: read } };
  // An ID is in no message's text, so as a search it matches nothing.
  const matches = ids.includes(search) ? [] : SEARCHES[search];
  if (matches === undefined) throw new Error(`no known result for search ${JSON.stringify(search)}`);
  if (matches === null) return { refused: true };
  return { refused: false, read: { ids: new Set(matches.map((i) => ids[i] as string)), value: read } };
}

describe('PUT/DELETE /api/v1/messages: refused untouched, or exactly the documented form', () => {
  let api: ApiBox;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  const state = () => new Map(api.box.store.messages().map((m) => [m.id, { seen: m.flags.has(SEEN), tags: [...m.tags] }]));

  test.prop([fc.constantFrom('PUT' as const, 'DELETE' as const), body, fc.array(fc.boolean(), { minLength: N, maxLength: N })], { numRuns: 150 })(
    'answers as the model says',
    async (method, template, seenAtStart) => {
      const store = api.box.store;
      await store.clear();
      const ids = await Promise.all(SUBJECTS.map(async (subject) => (await store.deliver({ raw: Buffer.from(`From: a@red.com\r\nSubject: ${subject}\r\n\r\nx\r\n`), envelope: { mailFrom: 'a@red.com', rcptTo: ['b@blue.com'] } })).id));
      await store.setFlags(ids.filter((_, i) => seenAtStart[i]), 'add', [SEEN]);
      await store.setTags([ids[0] as string], ['kept']);
      const text = template?.replace(/"@(\d)"/g, (_m, i: string) => JSON.stringify(ids[Number(i)]));
      const before = state();
      const expected = model(method, text, ids);

      const response = await fetch(api.base + '/api/v1/messages', {
        method,
        ...(text === undefined ? {} : { body: text, headers: { 'content-type': 'application/json' } }),
      });
      const answer = await response.text();
      const after = state();

      if (expected.refused) {
        expect(response.status, answer).toBeGreaterThanOrEqual(400);
        expect(response.status, answer).toBeLessThan(500);
        expect(JSON.parse(answer)).toEqual({ Error: expect.any(String) });
        expect(after).toEqual(before);
        return;
      }
      expect({ status: response.status, answer }).toEqual({ status: 200, answer: 'ok' });
      const wanted = new Map(before);
      for (const id of expected.deleted ?? []) wanted.delete(id);
      if (expected.read) for (const id of expected.read.ids) wanted.set(id, { ...(wanted.get(id) as { seen: boolean; tags: string[] }), seen: expected.read.value });
      expect(after).toEqual(wanted);
    },
  );
});
