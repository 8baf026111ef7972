import fc from 'fast-check';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { describe, expect, it } from 'vitest';
import { parseAddressList, STORED_ADDRESSES, summarizeHeaders } from '../../server/mime/summary.js';
import { parseErrorOf } from '../../server/shapes/mailpit-json.js';

/**
 * The summary's caps: address lists are parsed entry by entry (what addressparser gives
 * for the whole field, without its quadratic join), kept to STORED_ADDRESSES with their
 * full count, and a field past 1 MiB is read that far and the summary says so.
 */
const envelope = { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] };
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n');

const piece = fc.constantFrom('a', 'Bob', ' ', '.', '"', '<', '>', '@', 'b@c.example', '(', ')', ':', ';', '\\', '=?utf-8?q?x?=', 'é');
const entry = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));

describe('summary caps', () => {
  it('parses a list entry by entry exactly as addressparser parses it whole', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(entry, fc.constantFrom(',', ';', ', ')), { maxLength: 12 }), (entries) => {
        const value = entries.map(([text, separator]) => text + separator).join('');
        const whole = addressparser(value, { flatten: true })
          .filter((a) => a.address || a.name)
          .map((a) => ({ name: libmime.decodeWords(a.name ?? ''), address: a.address ?? '' }));
        expect(parseAddressList(value)).toEqual(value ? whole : []);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps STORED_ADDRESSES of a long list, with its full count, and finds Bcc among all of them', () => {
    const to = Array.from({ length: 5_000 }, (_, i) => `u${i}@blue.example`);
    const summary = summarizeHeaders(crlf([`To: ${to.join(', ')}`, 'Subject: many', '', 'body']), { mailFrom: 'a@red.example', rcptTo: ['u4999@blue.example', 'hidden@blue.example'] });
    expect(summary.to).toHaveLength(STORED_ADDRESSES);
    expect(summary.counts.to).toBe(5_000);
    // u4999 is named in To (past the kept ones): only the unnamed recipient is a Bcc.
    expect(summary.bcc).toEqual([{ name: '', address: 'hidden@blue.example' }]);
    expect(summary.truncated).toBe('');
  });

  it('reads an address field past 1 MiB only that far, and says so in ParseError', () => {
    const to = 'x@blue.example, '.repeat(80_000);
    const summary = summarizeHeaders(crlf([`To: ${to}`, 'Subject: cut', '', 'body']), envelope);
    expect(summary.subject).toBe('cut');
    expect(summary.counts.to).toBeGreaterThan(60_000);
    expect(summary.counts.to).toBeLessThan(80_000);
    expect(summary.truncated).toMatch(/^To: only the first 1 MiB/);
    expect(parseErrorOf(summary, { error: '' })).toMatch(/^Header summary cut: To: only the first 1 MiB/);
  });
});
