import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInboxesFile, MAX_FILE_BYTES, parseInboxesFile } from '../../server/inboxes/inboxes-file.js';

const good = {
  inboxes: {
    shop: { smtp: ['shop-app:s3cret'], recipients: ['*@shop.test'], maxMessages: 1000, maxBytes: '5MB' },
    billing: { smtp: ['billing-app:$2y$10$abcdefghijklmnopqrstuu5Jz8mSG3cJq2/Zz9kZ0xPZ7M5bqMa6u'] },
    srs: { headers: { 'X-Application': 'srs', 'X-Env': '/^(staging|prod)$/i' } },
  },
  users: {
    alice: { password: 'pw-alice', inboxes: ['shop'] },
    ops: { password: 'pw-ops', inboxes: ['*'] },
  },
  unrouted: 'srs',
};

/** The error a file is refused with. */
function refusal(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  try {
    parseInboxesFile(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the file was accepted');
}

const withInbox = (spec: unknown) => ({ inboxes: { shop: spec } });

describe('the inboxes file', () => {
  it('reads inboxes sorted by name, users, limits and the unrouted inbox', () => {
    const file = parseInboxesFile(JSON.stringify(good));
    expect([...file.inboxes.keys()]).toEqual(['billing', 'shop', 'srs']);
    const shop = file.inboxes.get('shop');
    expect(shop?.maxMessages).toBe(1000);
    expect(shop?.maxBytes).toBe(5 * 1024 * 1024);
    expect(shop?.smtp).toEqual([{ user: 'shop-app', secret: 's3cret' }]);
    expect(shop?.recipients.allows('bob@shop.test')).toBe(true);
    expect(shop?.recipients.allows('bob@other.test')).toBe(false);
    expect(file.users.get('ops')?.all).toBe(true);
    expect(file.users.get('alice')?.inboxes).toEqual(['shop']);
    expect(file.unrouted).toEqual({ refuse: false, inbox: 'srs' });
    const [app, env] = file.inboxes.get('srs')?.headers ?? [];
    expect(app?.matches('srs')).toBe(true);
    expect(app?.matches('SRS')).toBe(false);
    expect(env?.matches('STAGING')).toBe(true);
    expect(env?.matches('dev')).toBe(false);
  });

  it('defaults to refusing unrouted mail, with no users', () => {
    const file = parseInboxesFile('{"inboxes":{"a":{}}}');
    expect(file.unrouted).toEqual({ refuse: true });
    expect(file.users.size).toBe(0);
  });

  it.each([
    ['not JSON', '{"inboxes":', /^not JSON/],
    ['a misspelt top key', { inboxes: {}, user: {} }, /\(top level\): unknown key "user"/],
    ['a missing inboxes key', { users: {} }, /"inboxes" is missing/],
    ['a misspelt inbox key', withInbox({ recipient: ['a@b.test'] }), /inboxes\.shop: unknown key "recipient"/],
    ['a wrong type', withInbox({ maxMessages: '10' }), /inboxes\.shop\.maxMessages: expected a whole number/],
    ['a negative limit', withInbox({ maxMessages: -1 }), /inboxes\.shop\.maxMessages/],
    ['a bad size', withInbox({ maxBytes: 'lots' }), /inboxes\.shop\.maxBytes: expected a size/],
    ['a bad inbox name', { inboxes: { Shop: {} } }, /inboxes: "Shop" is not an inbox name/],
    ['an inbox name too long', { inboxes: { ['a'.repeat(64)]: {} } }, /is not an inbox name/],
    ['a user naming an unknown inbox', { inboxes: { shop: {} }, users: { al: { password: 'x', inboxes: ['shpo'] } } }, /users\.al\.inboxes\[0\]: there is no inbox "shpo"/],
    ['a user without a password', { inboxes: { shop: {} }, users: { al: { inboxes: ['shop'] } } }, /users\.al: the key "password" is missing/],
    ['a control character', withInbox({ recipients: ['a@b.test\r\nX: y'] }), /inboxes\.shop\.recipients\[0\]: holds a control character/],
    ['a bad recipient pattern', withInbox({ recipients: ['blue.test.'] }), /inboxes\.shop\.recipients\[0\]: "blue.test." is not a recipient pattern/],
    ['an SMTP entry without a colon', withInbox({ smtp: ['app'] }), /inboxes\.shop\.smtp\[0\]: expected "user:password"/],
    ['an SMTP user of two inboxes', { inboxes: { a: { smtp: ['app:x'] }, b: { smtp: ['app:y'] } } }, /inboxes\.b\.smtp: the SMTP user "app" is already the credential of inbox "a"/],
    ['an unrouted inbox that does not exist', { inboxes: { shop: {} }, unrouted: 'nowhere' }, /unrouted: expected "refuse" or the name of an inbox, got "nowhere"/],
    ['a bad regular expression', withInbox({ headers: { 'X-App': '/(/' } }), /inboxes\.shop\.headers\.X-App: not a regular expression/],
    ['an exponential regular expression', withInbox({ headers: { 'X-App': '/^(a+)+$/' } }), /inboxes\.shop\.headers\.X-App: the regular expression repeats a group/],
    ['an alternation repeated', withInbox({ headers: { 'X-App': '/(a|a)*b/' } }), /repeats a group/],
    ['two repetitions (polynomial backtracking)', withInbox({ headers: { 'X-App': '/.*.*x/' } }), /repeats more than once/],
    ['a back-reference', withInbox({ headers: { 'X-App': '/(a)\\1/' } }), /back-reference/],
    ['a header name with a colon', withInbox({ headers: { 'X:App': 'x' } }), /is not a header field name/],
    ['"*" beside inbox names', { inboxes: { shop: {} }, users: { al: { password: 'x', inboxes: ['*', 'shop'] } } }, /"\*" already means every inbox/],
    // Compared as plain text, the hash itself would be the password (pass-the-hash), as in the auth files.
    ['an SMTP password hashed as htpasswd\'s $apr1$', withInbox({ smtp: ['app:$apr1$xyz$0123456789abcdefghijkl'] }), /^inboxes\.shop\.smtp\[0\]: the password of "app" is a hash in a format not supported, "\$apr1\$"/],
    ['a user password hashed as $6$', { inboxes: { shop: {} }, users: { al: { password: '$6$salt$hash', inboxes: ['shop'] } } }, /^users\.al\.password is a hash in a format not supported/],
    ['a broken bcrypt hash', withInbox({ smtp: ['app:$2y$99$short'] }), /is not a valid bcrypt hash/],
  ])('refuses %s, naming the place', (_what, file, message) => {
    expect(refusal(file)).toMatch(message);
  });

  it.each([
    // `key in keys` found what every object inherits; a live reload applied such a file.
    ['{"inboxes":{},"constructor":{}}', /^\(top level\): the key "constructor" is refused/],
    ['{"inboxes":{},"toString":1}', /^\(top level\): unknown key "toString"/],
    ['{"inboxes":{},"hasOwnProperty":1}', /^\(top level\): unknown key "hasOwnProperty"/],
    ['{"inboxes":{},"__proto__":{"x":1}}', /^\(top level\): the key "__proto__" is refused/],
    ['{"inboxes":{"shop":{"toString":1}}}', /^inboxes\.shop: unknown key "toString"/],
    ['{"inboxes":{"shop":{"__proto__":{}}}}', /^inboxes\.shop: the key "__proto__" is refused/],
    ['{"inboxes":{"constructor":{}}}', /^inboxes: the key "constructor" is refused/],
    ['{"inboxes":{"prototype":{}}}', /^inboxes: the key "prototype" is refused/],
    ['{"inboxes":{"shop":{"headers":{"constructor":"x"}}}}', /^inboxes\.shop\.headers: the key "constructor" is refused/],
    ['{"inboxes":{"shop":{}},"users":{"al":{"password":"x","inboxes":["shop"],"valueOf":1}}}', /^users\.al: unknown key "valueOf"/],
    ['{"inboxes":{"shop":{}},"users":{"al":{"password":"x","inboxes":["shop"],"constructor":1}}}', /^users\.al: the key "constructor" is refused/],
    ['{"inboxes":{"shop":{}},"users":{"constructor":{"password":"x","inboxes":["shop"]}}}', /^users: the key "constructor" is refused/],
  ])('refuses the inherited or prototype key in %s', (text, message) => {
    expect(refusal(text)).toMatch(message);
  });

  it.each([
    ['users', { inboxes: {}, users: null }, /^users: null is not a value here; leave the key out for its default/],
    ['unrouted', { inboxes: {}, unrouted: null }, /^unrouted: null/],
    ['inboxes', { inboxes: null }, /^inboxes: null/],
    ['smtp', withInbox({ smtp: null }), /^inboxes\.shop\.smtp: null is not a value here/],
    ['headers', withInbox({ headers: null }), /^inboxes\.shop\.headers: null/],
    ['recipients', withInbox({ recipients: null }), /^inboxes\.shop\.recipients: null/],
    ['maxMessages', withInbox({ maxMessages: null }), /^inboxes\.shop\.maxMessages: null/],
    ['maxBytes', withInbox({ maxBytes: null }), /^inboxes\.shop\.maxBytes: null/],
    ['a password', { inboxes: { shop: {} }, users: { al: { password: null, inboxes: ['shop'] } } }, /^users\.al\.password: null/],
    ['a user\'s inboxes', { inboxes: { shop: {} }, users: { al: { password: 'x', inboxes: null } } }, /^users\.al\.inboxes: null/],
    ['an inbox', { inboxes: { shop: null } }, /^inboxes\.shop: expected an object, got null/],
    ['a header rule', withInbox({ headers: { 'X-App': null } }), /^inboxes\.shop\.headers\.X-App: expected a string, got null/],
  ])('refuses null for %s rather than reading it as empty', (_what, file, message) => {
    expect(refusal(file)).toMatch(message);
  });

  it('refuses an inboxes file that is not UTF-8 rather than turning its bytes into U+FFFD, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-inboxes-'));
    const path = join(dir, 'inboxes.json');
    await writeFile(path, Buffer.concat([Buffer.from('{"inboxes":{"shop":{"smtp":["app:pw'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}}}')]));
    await expect(loadInboxesFile(path)).rejects.toThrow(`inboxes file ${path}: not valid UTF-8`);
    // Good UTF-8, and a byte order mark, still read.
    await writeFile(path, '\uFEFF{"inboxes":{"shop":{"smtp":["app:pässwörd"]}}}');
    expect((await loadInboxesFile(path)).inboxes.get('shop')?.smtp).toEqual([{ user: 'app', secret: 'pässwörd' }]);
  });

  it('refuses a key that appears twice, which JSON.parse would drop unseen', () => {
    expect(refusal('{"inboxes":{"shop":{},"shop":{"maxMessages":1}}}')).toMatch(/the key "shop" appears twice/);
  });

  it('shows a huge or hostile value cut short in one line', () => {
    const message = refusal({ inboxes: { ['x'.repeat(5000) + '\n']: {} } });
    expect(message.length).toBeLessThan(300);
    expect(message).not.toContain('\n');
  });

  it('refuses a file larger than the cap before reading it, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-inboxes-'));
    const path = join(dir, 'inboxes.json');
    await writeFile(path, JSON.stringify({ inboxes: {}, pad: 'x'.repeat(MAX_FILE_BYTES) }));
    await expect(loadInboxesFile(path)).rejects.toThrow(`inboxes file ${path}:`);
    await expect(loadInboxesFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read inboxes file .*ENOENT/);
    await writeFile(path, JSON.stringify({ inboxes: { shop: { maxMessages: 'x' } } }));
    await expect(loadInboxesFile(path)).rejects.toThrow(`inboxes file ${path}: inboxes.shop.maxMessages`);
  });
});
