import { describe, expect, it } from 'vitest';
import { extractLinksAndCodes } from '../../server/mime/extract.js';
import { deliveryTags } from '../../server/mime/delivery-tags.js';
import { cleanTag } from '../../server/shapes/tag-rule.js';
import { listUnsubscribe } from '../../server/mime/list-unsubscribe.js';

describe('links and one-time codes', () => {
  it.each([
    ['Your verification code is 123456.', ['123456']],
    ['Use code 123 456 to sign in', ['123456']],
    ['Your OTP: A7K9Q2', ['A7K9Q2']],
    ['Order total $1234 on 2024-01-05, thanks', []],
    ['Meeting in 2024 at room 5512', []],
    ['Your login PIN: 4821', ['4821']],
  ])('%s', (text, codes) => {
    expect(extractLinksAndCodes(text, '', '').Codes).toEqual(codes);
  });

  it('finds a code in the subject', () => {
    expect(extractLinksAndCodes('', '', '845120 is your verification code').Codes).toEqual(['845120']);
  });

  it('collects links from HTML and text, in order, de-duplicated, without trailing punctuation', () => {
    const html = '<a href="https://a.test/x?y=1&amp;z=2">x</a><img src=\'http://img.test/p.png\'><a href="mailto:x@y">m</a>';
    const text = 'Visit https://a.test/x?y=1&z=2, or https://b.test/reset.';
    expect(extractLinksAndCodes(text, html, '').Links).toEqual(['https://a.test/x?y=1&z=2', 'http://img.test/p.png', 'https://b.test/reset']);
  });
});

describe('delivery tags', () => {
  it('reads X-Tags and plus-addressing', () => {
    const raw = Buffer.from('X-Tags: one, Two , bad<>chars\r\nSubject: x\r\n\r\nbody');
    expect(deliveryTags(raw, { mailFrom: '', rcptTo: ['user+news@x.test', 'plain@x.test', 'a+b+c@x.test'] })).toEqual(['one', 'Two', 'badchars', 'news', 'bc']);
  });

  it('keeps Mailpit tag characters only', () => {
    expect(cleanTag(' a/b:c  d_é@x ')).toBe('abc d_é@x');
    expect(cleanTag('x'.repeat(150))).toHaveLength(100);
  });
});

describe('List-Unsubscribe (RFC 2369)', () => {
  it('keeps one mailto and one http link and reports the rest', () => {
    expect(listUnsubscribe('<mailto:a@x>, <https://x/u>, <mailto:b@x>, <ftp://x>', 'List-Unsubscribe=One-Click')).toEqual({
      Header: '<mailto:a@x>, <https://x/u>, <mailto:b@x>, <ftp://x>',
      Links: ['mailto:a@x', 'https://x/u'],
      Errors: 'Unsupported link "ftp://x"',
      HeaderPost: 'List-Unsubscribe=One-Click',
    });
    expect(listUnsubscribe('nonsense', '').Errors).toBe('No <> links found');
  });
});
