import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryTags } from '../../server/mime/delivery-tags.js';
import { firstFieldValue } from '../../server/mime/field-value.js';
import { firstField, readHeaderFields } from '../../server/mime/headers.js';

const envelope = { mailFrom: 'a@red.com', rcptTo: ['bob+orders@blue.com', 'carol@blue.com'] };

describe('tags at delivery', () => {
  it('reads X-Tags in any case, plus-addressing, and nothing from the body', () => {
    const raw = Buffer.from('Subject: s\r\nx-TAGS: Work, urgent\r\n\r\nX-Tags: body-not-header\r\n');
    expect(deliveryTags(raw, envelope).sort()).toEqual(['Work', 'orders', 'urgent']);
    expect(deliveryTags(Buffer.from('Subject: s\r\n\r\nX-Tags: no\r\n'), envelope)).toEqual(['orders']);
    expect(deliveryTags(Buffer.from('X-Tags: first\nSubject: bare LF\n\nbody\n'), { mailFrom: '', rcptTo: [] })).toEqual(['first']);
  });

  it('finds X-Tags on the bytes as parsing the header does, for any header block', () => {
    const line = fc.oneof(
      fc.constantFrom('X-Tags: a', 'x-tags:b', 'X-Tagsy: c', 'Subject: X-Tags: d', ' X-Tags: folded', 'X-Tag: e', 'To: f'),
      fc.string({ maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('\r\n', '\n'), (lines, eol) => {
        const raw = Buffer.from(lines.join(eol) + eol + eol + 'X-Tags: in the body' + eol);
        const parsed = firstField(readHeaderFields(raw), 'X-Tags');
        expect(firstFieldValue(raw, 'X-Tags')).toBe(parsed);
        if (!lines.some((l) => /^x-tags\s*:/i.test(l))) expect(firstFieldValue(raw, 'X-Tags')).toBeUndefined();
      }),
    );
  });
});
