import { beforeAll, describe, expect, it } from 'vitest';
import { compileSearch, parseSearchDate } from '../../server/store/search/compile.js';
import type { MailStore } from '../../server/store/mail-store.js';
import type { StoredMessage } from '../../server/store/types.js';
import { fixtureStore } from './search-fixtures.js';

let store: MailStore;
let nameOf: (m: StoredMessage) => string;

beforeAll(async () => {
  ({ store, nameOf } = await fixtureStore());
});

function hits(query: string): string[] {
  const compiled = compileSearch(query, { timeZone: 'UTC' });
  if (!compiled.ok) throw new Error(`query "${query}" failed: ${compiled.error}`);
  return store.list({ limit: 0, filter: compiled.filter }).items.map(nameOf).sort();
}

// Each expected list is exact: every fixture not named must not match.
const TABLE: Array<[string, string[]]> = [
  // RFC 2047 subjects and names, decoded.
  ['subject:grüße', ['encodedSubject']],
  ['subject:GRÜSSE', []],
  ['köln', ['encodedSubject']],
  ['from:"zoë müller"', ['encodedSubject']],
  ['subject:café', ['latin1']],
  ['subject:привет', ['koi8']],
  ['from:jörg', ['latin1']],
  // Bodies through QP (with soft breaks), base64, other charsets, HTML reduced to text.
  ['crème', ['encodedSubject']],
  ['"softbreak joins"', ['encodedSubject']],
  ['secret-token', ['base64Body']],
  ['ünïcödé', ['base64Body']],
  ['ÜNÏCÖDÉ', ['base64Body']],
  ['björk', ['latin1']],
  ['église', ['latin1']],
  ['дружба', ['koi8']],
  ['"hello world & friends"', ['htmlOnly']],
  ['hidden-style-word', []],
  ['"“quarterly” figures"', ['attachment']],
  // Address fields.
  ['from:billing@shop.test', ['base64Body']],
  ['to:bob@example.com', ['inlineImage', 'koi8', 'latin1']],
  ['cc:carol', ['base64Body']],
  ['bcc:hidden@bcc.test', ['base64Body']],
  ['reply-to:replies@letters.test', ['htmlOnly']],
  ['addressed:carol@x.test', ['base64Body']],
  ['message-id:greet-1@example.de', ['encodedSubject']],
  ['message-id:<greet-1@example.de>', ['encodedSubject']],
  // Flags, tags, parts, sizes.
  ['is:read', ['latin1']],
  ['is:unread', ['attachment', 'base64Body', 'encodedSubject', 'htmlOnly', 'inlineImage', 'koi8']],
  ['is:tagged', ['attachment', 'base64Body']],
  ['tag:billing', ['attachment', 'base64Body']],
  ['tag:BILLING -tag:reports', ['base64Body']],
  ['has:attachment', ['attachment']],
  ['has:attachments', ['attachment']],
  ['has:inline', ['inlineImage']],
  ['larger:450', ['attachment', 'inlineImage']],
  ['smaller:1k -larger:450', ['base64Body', 'encodedSubject', 'htmlOnly', 'koi8', 'latin1']],
  // Dates (received time), with times.
  ['before:2024-01-03', ['base64Body', 'encodedSubject']],
  ['after:2024-01-06', ['attachment', 'inlineImage']],
  ['after:"2024-01-06 14:00:01"', ['inlineImage']],
  ['after:01/02/2024 before:01/04/2024', ['base64Body', 'latin1']],
  // Combinations and negation with - and !.
  ['to:alice -has:attachment', ['base64Body', 'encodedSubject', 'htmlOnly']],
  ['to:alice !from:news', ['attachment', 'base64Body', 'encodedSubject']],
  ['invoice 42', ['base64Body']],
  ['42 invoice', ['base64Body']],
  ['"42 invoice"', []],
  ['nothing-matches-this', []],
];

describe('search over decoded text', () => {
  it.each(TABLE)('%s', (query, expected) => {
    expect(hits(query)).toEqual([...expected].sort());
  });

  it('refuses broken queries with a reason', () => {
    for (const query of ['from:', 'subject:"unbalanced', 'say "hi', 'is:nothing', 'has:wings', 'larger:big', 'before:yesterdayish', '   ']) {
      const compiled = compileSearch(query);
      expect(compiled.ok, query).toBe(false);
      if (!compiled.ok) expect(compiled.error.length).toBeGreaterThan(3);
    }
  });

  it('reads dates in the given time zone', () => {
    expect(parseSearchDate('2024-01-01', 'UTC')).toBe(Date.UTC(2024, 0, 1));
    expect(parseSearchDate('2024-01-01', 'Pacific/Auckland')).toBe(Date.UTC(2023, 11, 31, 11));
    expect(parseSearchDate('01/04/2024', 'UTC')).toBe(Date.UTC(2024, 0, 4));
    expect(parseSearchDate('13/45/2024', 'UTC')).toBeUndefined();
  });
});

describe('search index', () => {
  it('pages the same hits as a filtered list, through deliveries and removals', async () => {
    const { SearchIndex } = await import('../../server/store/search/search-index.js');
    const index = new SearchIndex(store);
    const compiled = compileSearch('to:alice');
    if (!compiled.ok) throw new Error(compiled.error);
    const viaList = () => store.list({ limit: 0, filter: compiled.filter }).items.map((m) => m.id);
    expect(index.page(compiled, { limit: 0 }).items.map((m) => m.id)).toEqual(viaList());
    const added = await store.deliver({ raw: Buffer.from('To: alice@example.com\r\nSubject: late\r\n\r\nx'), envelope: { mailFrom: '', rcptTo: ['alice@example.com'] } });
    expect(index.page(compiled, { limit: 1 }).items[0]?.id).toBe(added.id);
    await store.remove([added.id]);
    const page = index.page(compiled, { start: 1, limit: 2 });
    expect(page.items.map((m) => m.id)).toEqual(viaList().slice(1, 3));
    expect(page.matched).toBe(viaList().length);
    // Pruning the oldest keeps the index in step without a rebuild.
    store.setLimits({ maxMessages: 3 });
    expect(index.page(compiled, { limit: 0 }).items.map((m) => m.id)).toEqual(viaList());
    store.deliver({ raw: Buffer.from('To: alice@example.com\r\n\r\nnewest'), envelope: { mailFrom: '', rcptTo: ['alice@example.com'] } });
    expect(index.page(compiled, { limit: 0 }).items.map((m) => m.id)).toEqual(viaList());
    index.stop();
  });
});
