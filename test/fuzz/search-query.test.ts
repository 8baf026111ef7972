import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { compileSearch } from '../../server/store/search/compile.js';
import { tokenize, type SearchTerm } from '../../server/store/search/tokenize.js';
import type { StoredMessage } from '../../server/store/types.js';
import { deliver } from '../imap/fixtures.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** Query text made of the search grammar's pieces (Mailpit syntax) and noise. */
const piece = fc.oneof(
  fc.constantFrom('from:', 'to:', 'cc:', 'bcc:', 'reply-to:', 'addressed:', 'subject:', 'message-id:', 'tag:', 'is:', 'has:', 'larger:', 'smaller:', 'before:', 'after:', 'http:', 'FROM:'),
  fc.constantFrom('read', 'unread', 'tagged', 'attachment', 'inline', '2M', '500KB', '1.5g', '10x', '2024-01-31', '"2024-01-31 14:00"', '01/31/2024', '31/31/2024', 'yesterday', '<id@x>'),
  fc.constantFrom('-', '!', '"', '""', ' ', '\t', '\u00a0', '\n', 'a b', 'Grüße', 'İ', 'ß', '\u0000', '*', '%', '(', ')'),
  fc.string({ maxLength: 8 }),
  fc.string({ maxLength: 6, unit: 'binary' }),
);
const query = fc.array(piece, { maxLength: 10 }).map((p) => p.join(''));
const timeZone = fc.constantFrom(undefined, 'UTC', 'Europe/Paris', 'Pacific/Kiritimati', 'Not/AZone', '');

describe('search query parser: any query is compiled or refused with a message', () => {
  const box = { messages: [] as StoredMessage[] };
  let sandbox: TestSandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    box.messages = await Promise.all([
      deliver(sandbox.store, 'Grüße aus Köln', { from: 'a@red.com', to: 'b@blue.com', body: 'hello world' }),
      deliver(sandbox.store, '', { extra: 'Cc: =?utf-8?q?=C3=A9?= <c@x>\r\nReply-To: <>', body: '' }),
      deliver(sandbox.store, 'x'.repeat(2000), { from: '"weird, name" <@x:y@z>', body: '\u0000\u00ff' }),
    ]);
  });
  afterAll(async () => {
    await sandbox?.stop(0);
  });

  test.prop([query, timeZone], { numRuns: 3000 })('never throws, and a compiled predicate never throws on stored mail', (q, tz) => {
    const compiled = compileSearch(q, tz === undefined ? {} : { timeZone: tz });
    if (!compiled.ok) {
      expect(typeof compiled.error).toBe('string');
      expect(compiled.error.length).toBeGreaterThan(0);
      return;
    }
    for (const message of box.messages) expect(typeof compiled.filter(message)).toBe('boolean');
  });

  /** The one way to write a term back: always quoted, so white space and prefixes inside stay put. */
  function serialise(terms: SearchTerm[]): string {
    return terms.map((t) => `${t.negated ? '-' : ''}${t.prefix ? t.prefix + ':' : ''}"${t.value}"`).join(' ');
  }

  test.prop([query], { numRuns: 3000 })('tokenize → write back → tokenize gives the same terms', (q) => {
    const first = tokenize(q);
    if (!first.ok) return;
    const again = tokenize(serialise(first.terms));
    expect(again).toEqual(first);
  });

  test.prop([fc.array(fc.constantFrom('hello', 'world', 'köln', 'grüße', 'nothing', 'red.com', 'subject:grüße', 'from:a@red.com'), { minLength: 1, maxLength: 3 })], { numRuns: 300 })(
    'terms are ANDed: a query matches what every one of its terms matches',
    (terms) => {
      const all = compileSearch(terms.join(' '));
      if (!all.ok) throw new Error(all.error);
      for (const message of box.messages) {
        const each = terms.every((t) => {
          const one = compileSearch(t);
          if (!one.ok) throw new Error(one.error);
          return one.filter(message);
        });
        expect(all.filter(message)).toBe(each);
      }
    },
  );

  test.prop([query], { numRuns: 150 })('over HTTP: /api/v1/search answers 200 with a list, or 400 with a JSON error — never 5xx', async (q) => {
    const res = await fetch(`http://127.0.0.1:${sandbox.port('http')}/api/v1/search?query=${encodeURIComponent(q)}`, { headers: { Accept: 'application/json' } });
    expect([200, 400]).toContain(res.status);
    const text = await res.text();
    if (res.status === 200) expect(Array.isArray((JSON.parse(text) as { messages?: unknown }).messages)).toBe(true);
    else expect((JSON.parse(text) as { Error?: unknown }).Error).toEqual(expect.any(String));
  });
});
