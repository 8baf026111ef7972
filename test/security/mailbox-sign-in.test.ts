import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { chooseInboxText, parseInboxLogin } from '../../server/security/mailbox-sign-in.js';

describe('parseInboxLogin', () => {
  it('reads USER, USER/INBOX and USER/INBOX/ADDRESS', () => {
    expect(parseInboxLogin('alice')).toEqual({ user: 'alice', inbox: undefined, address: undefined });
    expect(parseInboxLogin('alice/shop')).toEqual({ user: 'alice', inbox: 'shop', address: undefined });
    expect(parseInboxLogin('alice/shop/bob@blue.com')).toEqual({ user: 'alice', inbox: 'shop', address: 'bob@blue.com' });
    // RFC 5321 §4.1.2: a local part may hold a `/`; the rest after the inbox is the address.
    expect(parseInboxLogin('alice/shop/a/b@blue.com')).toEqual({ user: 'alice', inbox: 'shop', address: 'a/b@blue.com' });
  });

  it('has no reading for an empty part or an address without @', () => {
    for (const name of ['', '/shop', 'alice/', 'alice//bob@blue.com', 'alice/shop/', 'alice/shop/bob']) expect(parseInboxLogin(name), name).toBeUndefined();
  });

  it('has no reading for a name holding a control character (NUL, CR, LF) in any part', () => {
    for (const name of ['alice/shop/bob\0@blue.com', 'alice/shop/bob\r@blue.com', 'alice/shop/bob@blue.com\n', 'alice\0/shop', 'alice/sh\rop']) {
      expect(parseInboxLogin(name), JSON.stringify(name)).toBeUndefined();
    }
  });
});

describe('a login name longer than any mailbox', () => {
  it('has no reading past 512 characters', () => {
    expect(parseInboxLogin(`alice/shop/${'b'.repeat(480)}@blue.com`)).toBeDefined();
    expect(parseInboxLogin(`alice/shop/${'b'.repeat(500)}@blue.com`)).toBeUndefined();
  });
});

describe('chooseInboxText', () => {
  it('names the USER/INBOX form and the inboxes', () => {
    expect(chooseInboxText('bob', ['billing', 'shop'])).toBe('bob may read several inboxes; log in as bob/INBOX, INBOX one of: billing, shop');
  });

  const inboxName = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/);
  test.prop([fc.string({ maxLength: 200 }), fc.array(inboxName, { maxLength: 2000 })])('fits a POP3 reply line (RFC 1939 §3: 512 octets) in printable ASCII', (user, inboxes) => {
    const line = `-ERR [AUTH] ${chooseInboxText(user, inboxes)}\r\n`;
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(512);
    expect(line.slice(0, -2)).toMatch(/^[\x20-\x7e]*$/);
  });
});
