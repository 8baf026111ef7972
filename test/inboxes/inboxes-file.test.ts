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
  ])('refuses %s, naming the place', (_what, file, message) => {
    expect(refusal(file)).toMatch(message);
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
