import fc from 'fast-check';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { describe, expect, it } from 'vitest';
import { firstField, headerEnd, parseHeaderFields } from '../../server/mime/headers.js';
import { decodeWords, parseAddressList, summarizeHeaders } from '../../server/mime/summary.js';

/** The general path alone: addressparser with names decoded, as summary.ts falls back to. */
function reference(value: string) {
  return addressparser(value, { flatten: true })
    .filter((entry) => entry.address || entry.name)
    .map((entry) => ({ name: libmime.decodeWords(entry.name ?? ''), address: entry.address ?? '' }));
}

/**
 * headerEnd as a byte loop: the first LF followed by LF or CRLF, or a blank first line
 * (RFC 5322 §2.1: a message may have no header fields, its body after the empty line).
 */
function referenceHeaderEnd(raw: Buffer): number {
  if (raw[0] === 0x0a) return 1;
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return i + 2;
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 3;
  }
  return raw.length;
}

const piece = fc.constantFrom('a', 'Bob', 'o.k', 'x-y', 'z_1', ' ', '  ', '.', ',', '"', '<', '>', '@', 'b@c.example', '(', ')', ':', ';', '=?', '\\', '+', 'é');
const messy = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
const word = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
const address = fc.tuple(fc.stringMatching(/^[A-Za-z0-9._+-]{1,10}$/), fc.stringMatching(/^[A-Za-z0-9.-]{1,10}$/)).map(([l, d]) => `${l}@${d}`);
const named = fc.tuple(fc.array(word, { minLength: 1, maxLength: 3 }), address).map(([words, a]) => `${words.join(' ')} <${a}>`);

describe('delivery summary fast paths', () => {
  it('reads simple and messy address fields exactly as the general parser does', () => {
    fc.assert(
      fc.property(fc.oneof(address, named, messy), (value) => {
        expect(parseAddressList(value)).toEqual(value ? reference(value) : []);
      }),
      { numRuns: 3000 },
    );
    expect(parseAddressList('Bench <bench@red.example>')).toEqual([{ name: 'Bench', address: 'bench@red.example' }]);
    expect(parseAddressList('"Smith, J" <j@x.example>, k@x.example')).toEqual(reference('"Smith, J" <j@x.example>, k@x.example'));
  });

  it('leaves text without encoded-words as libmime does, and decodes the rest', () => {
    fc.assert(fc.property(fc.oneof(messy, fc.string()), (text) => {
        expect(decodeWords(text)).toBe(libmime.decodeWords(text));
      }),
    );
    expect(decodeWords('=?utf-8?q?caf=C3=A9?= au lait')).toBe('café au lait');
  });

  it('finds the end of the header block as a byte scan does', () => {
    const bytes = fc.array(fc.constantFrom(0x0d, 0x0a, 0x61, 0x3a), { maxLength: 40 }).map((b) => Buffer.from(b));
    fc.assert(fc.property(bytes, (raw) => {
        expect(headerEnd(raw)).toBe(referenceHeaderEnd(raw));
      }),
      { numRuns: 5000 },
    );
  });

  it('matches field names case-insensitively and keeps only the first', () => {
    const fields = parseHeaderFields('X-A: 1\r\nsubject: first\r\nSUBJECT: second\r\nBad Name: no\r\n\r\nbody');
    expect(firstField(fields, 'Subject')).toBe('first');
    expect(firstField(fields, 'Bad Name')).toBeUndefined();
    expect(firstField(fields, 'X-Missing')).toBeUndefined();
  });

  it('summarises a typical message', () => {
    const raw = Buffer.from('From: Bench <bench@red.example>\r\nTo: a@x.example, "B, C" <b@x.example>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000 (UTC)\r\nMessage-ID: <m1@red.example>\r\n\r\nHello\r\n');
    const summary = summarizeHeaders(raw, { mailFrom: 'bench@red.example', rcptTo: ['a@x.example', 'hidden@x.example'] });
    expect(summary.from).toEqual({ name: 'Bench', address: 'bench@red.example' });
    expect(summary.to).toEqual([{ name: '', address: 'a@x.example' }, { name: 'B, C', address: 'b@x.example' }]);
    expect(summary.bcc).toEqual([{ name: '', address: 'hidden@x.example' }]);
    expect(summary.subject).toBe('Grüße');
    expect(summary.date?.toISOString()).toBe('2026-11-28T10:00:00.000Z');
    expect(summary.messageId).toBe('m1@red.example');
  });
});
