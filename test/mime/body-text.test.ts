import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { htmlToText, simpleBodyText, snippetOf } from '../../server/mime/body-text.js';
import { decodeQuotedPrintable } from '../../server/mime/transfer-encoding.js';

describe('fast body text', () => {
  it('decodes quoted-printable with soft breaks (RFC 2045 §6.7)', () => {
    expect(decodeQuotedPrintable(Buffer.from('Caf=C3=A9 soft=\r\nbreak =3D done=\nx')).toString()).toBe('Café softbreak = donex');
    // A body's last line ending in "=" is a soft break too: it keeps the CRLF before a boundary out.
    expect(decodeQuotedPrintable(Buffer.from('bad =ZZ and end=')).toString()).toBe('bad =ZZ and end');
    // Rule 3: trailing white space on an encoded line is dropped; rule 5: "=" then white space then CRLF is soft.
    expect(decodeQuotedPrintable(Buffer.from('pad \t\r\nsoft= \t\r\nly\nbare  \n')).toString()).toBe('pad\r\nsoftly\nbare\n');
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])('QP round-trips any bytes', (bytes) => {
    const encoded = [...bytes].map((b) => '=' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
    expect(Buffer.from(decodeQuotedPrintable(Buffer.from(encoded))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('takes only single-part UTF-8/ASCII text, leaving the rest to mailparser', () => {
    expect(simpleBodyText(Buffer.from('Subject: x\r\n\r\nplain body'))?.text).toBe('plain body');
    const b64 = Buffer.from(`Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('héllo').toString('base64')}\r\n`);
    expect(simpleBodyText(b64)?.text).toBe('héllo');
    expect(simpleBodyText(Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\n\r\nx'))).toBeUndefined();
    expect(simpleBodyText(Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--'))).toBeUndefined();
    expect(simpleBodyText(Buffer.from('Content-Transfer-Encoding: x-uuencode\r\n\r\nx'))).toBeUndefined();
  });

  it('reduces HTML to visible text', () => {
    const text = htmlToText('<head><title>T</title><style>p{}</style></head><p>A&amp;B &#233;&#x263A; &nbsp;<script>evil()</script>C</p>');
    expect(text.replace(/\s+/g, ' ').trim()).toBe('A&B é☺ C');
  });

  it('cuts snippets at 250 code points without splitting a surrogate pair', () => {
    const long = '😀'.repeat(300);
    const snippet = snippetOf(long);
    expect(Array.from(snippet)).toHaveLength(250);
    expect(snippet).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(snippetOf('  a \n\t b  ')).toBe('a b');
  });

  test.prop([fc.array(fc.constantFrom('a', 'B', ' ', '\n', '😀', 'é', '\t\t'), { maxLength: 700 }).map((p) => p.join(''))])(
    'snippets are the first 250 code points of the collapsed text',
    (text) => {
      expect(snippetOf(text)).toBe(Array.from(text.replace(/\s+/g, ' ').trim()).slice(0, 250).join(''));
    },
  );
});
