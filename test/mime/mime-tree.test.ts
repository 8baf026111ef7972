import { describe, expect, it } from 'vitest';
import { bodyStructure } from '../../server/imap/bodystructure.js';
import { envelope } from '../../server/imap/envelope.js';
import { paramValue, parseContentDisposition, parseContentType, defaultContentType } from '../../server/mime/content-type.js';
import { readHeaderBlock } from '../../server/mime/header-block.js';
import { buildMimeTree, findPart, mimeTreeOf, type MimeNode } from '../../server/mime/mime-tree.js';
import { alternative, bareLf, digest, mixedAttachment, relatedInAlternative, rfc2231Language, rfc822Attachment, truncatedMultipart } from '../fixtures/mime/messages.js';

const slice = (raw: Buffer, start: number, end: number): string => raw.subarray(start, end).toString('utf8');
const numbers = (node: MimeNode): string[] => [
  node.part.join('.'),
  ...node.children.flatMap(numbers),
  ...(node.message ? numbers(node.message).map((n) => `>${n}`) : []),
];

describe('buildMimeTree offsets', () => {
  it('finds header, body and part ranges of a multipart/alternative', () => {
    const tree = buildMimeTree(alternative);
    const { root } = tree;
    expect(tree.size).toBe(alternative.length);
    expect(root.headerStart).toBe(0);
    expect(slice(alternative, root.headerEnd, root.bodyStart)).toBe('\r\n');
    expect(root.bodyEnd).toBe(alternative.length);
    expect(root.children).toHaveLength(2);
    const [text, html] = root.children as [MimeNode, MimeNode];
    expect(slice(alternative, text.headerStart, text.bodyStart)).toBe(
      'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
    );
    // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    expect(slice(alternative, text.bodyStart, text.bodyEnd)).toBe('Caf=C3=A9 au lait\r\nand croissants');
    expect(text.size).toBe(33);
    expect(text.lines).toBe(1);
    expect(slice(alternative, html.bodyStart, html.bodyEnd)).toBe('<p>Caf=C3=A9 au lait</p>');
    expect(html.encoding).toBe('quoted-printable');
  });

  it('numbers parts as IMAP does, encapsulated messages included', () => {
    expect(numbers(buildMimeTree(relatedInAlternative).root)).toEqual(['', '1', '2', '2.1', '2.2']);
    expect(numbers(buildMimeTree(rfc822Attachment).root)).toEqual(['', '1', '2', '>2', '>2.1', '>2.2']);
    expect(numbers(buildMimeTree(digest).root)).toEqual(['', '1', '>1', '2', '>2']);
  });

  it('parses the MIME fields of a part', () => {
    const part = buildMimeTree(mixedAttachment).root.children[1]!;
    expect(part.contentType).toMatchObject({ type: 'application', subtype: 'pdf', explicit: true });
    expect(paramValue(part.contentType.params, 'name')).toBe('€ rates2024.pdf');
    expect(part.disposition?.value).toBe('attachment');
    expect(paramValue(part.disposition?.params ?? [], 'filename')).toBe('€ rates2024.pdf');
    expect(paramValue(part.disposition?.params ?? [], 'size')).toBe('12');
    expect(part.id).toBe('<rates@red.example>');
    expect(part.description).toBe('Euro rates');
    expect(part.md5).toBe('Q2hlY2sgSW50ZWdyaXR5IQ==');
    expect(part.language).toEqual(['en', 'fr']);
    expect(part.location).toBe('http://red.example/rates.pdf');
    expect(part.encoding).toBe('base64');
    expect(part.lines).toBe(0);
  });

  it('counts lines of text and message parts only', () => {
    const root = buildMimeTree(rfc822Attachment).root;
    expect(root.lines).toBe(0);
    expect(root.children[1]!.lines).toBe(17);
    expect(root.children[1]!.size).toBe(315);
  });

  it('handles bare LF, and a truncated last part running to the end', () => {
    const lf = buildMimeTree(bareLf).root;
    expect(lf.children.map((c) => slice(bareLf, c.bodyStart, c.bodyEnd))).toEqual(['one\ntwo', 'three']);
    const cut = buildMimeTree(truncatedMultipart).root;
    expect(cut.children.map((c) => slice(truncatedMultipart, c.bodyStart, c.bodyEnd))).toEqual(['first part', 'second part, never closed']);
  });

  it('ignores lines that merely start with the boundary', () => {
    const raw = Buffer.from('Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\none\r\n--abc\r\n --ab\r\n--ab  \r\n\r\ntwo\r\n--ab--\r\nepilogue');
    const root = buildMimeTree(raw).root;
    expect(root.children.map((c) => slice(raw, c.bodyStart, c.bodyEnd))).toEqual(['one\r\n--abc\r\n --ab', 'two']);
  });

  it('gives multipart/digest parts message/rfc822 by default', () => {
    const part = buildMimeTree(digest).root.children[0]!;
    expect(part.contentType).toMatchObject({ type: 'message', subtype: 'rfc822', explicit: false });
    expect(part.message?.header.map((f) => f.value)).toEqual(['one@red.example', 'first']);
  });

  it('does not look into a base64-encoded message/rfc822', () => {
    const raw = Buffer.from('Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQp4\r\n');
    expect(buildMimeTree(raw).root.message).toBeUndefined();
  });

  it('never throws on odd input', () => {
    for (const text of ['', '\r\n', '\n', 'no colon at all', ':', 'A: b', '\r\n\r\n', 'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n', '\0\xff\xfe']) {
      const tree = buildMimeTree(Buffer.from(text, 'latin1'));
      expect(tree.root.bodyEnd).toBe(Buffer.from(text, 'latin1').length);
    }
  });
});

describe('findPart', () => {
  const tree = buildMimeTree(rfc822Attachment);
  const body = (part: number[]): string | undefined => {
    const node = findPart(tree, part);
    return node && slice(rfc822Attachment, node.bodyStart, node.bodyEnd);
  };
  it('resolves RFC 3501 §6.4.5 part numbers', () => {
    expect(findPart(tree, [])).toBe(tree.root);
    expect(body([1])).toBe('Forwarded below.');
    expect(body([1, 1])).toBe('Forwarded below.');
    expect(body([1, 1, 1])).toBeUndefined();
    expect(body([2, 1])).toBe('Noon?');
    expect(body([2, 2])).toBe('<b>Noon?</b>');
    expect(body([2, 3])).toBeUndefined();
    expect(body([3])).toBeUndefined();
    expect(body([0])).toBeUndefined();
  });
});

describe('mimeTreeOf', () => {
  it('builds one tree per message object', () => {
    const message = {};
    const tree = mimeTreeOf(message, alternative);
    expect(mimeTreeOf(message, alternative)).toBe(tree);
    expect(mimeTreeOf({}, alternative)).not.toBe(tree);
  });
});

describe('header block', () => {
  it('records field offsets and unfolds values', () => {
    const raw = Buffer.from('Subject: a\r\n  b\r\nbroken line\r\nX-Y:z\r\n\r\nbody');
    const block = readHeaderBlock(raw, 0, raw.length);
    expect(block.fields.map((f) => [f.name, f.value, slice(raw, f.start, f.end)])).toEqual([
      ['Subject', 'a  b', 'Subject: a\r\n  b\r\n'],
      ['X-Y', 'z', 'X-Y:z\r\n'],
    ]);
    expect(slice(raw, block.bodyStart, raw.length)).toBe('body');
  });

  it('marks non-UTF-8 values as Latin-1', () => {
    const raw = Buffer.from('Subject: caf\xe9\r\nX: caf\xc3\xa9\r\n\r\n', 'latin1');
    const [latin, utf8] = readHeaderBlock(raw, 0, raw.length).fields;
    expect(latin).toMatchObject({ value: 'caf\xe9', latin1: true });
    expect(utf8).toMatchObject({ value: 'café', latin1: false });
  });
});

describe('Content-Type and Content-Disposition (RFC 2045, RFC 2231)', () => {
  const fallback = defaultContentType();
  it('reads type, subtype and parameters with comments and quoted-pairs', () => {
    const ct = parseContentType(' text / html (comment) ; charset = "utf\\-8" (c); format=flowed', false, fallback);
    expect(ct).toMatchObject({ type: 'text', subtype: 'html', explicit: true });
    expect(ct.params.map((p) => [p.name, p.value])).toEqual([
      ['charset', 'utf-8'],
      ['format', 'flowed'],
    ]);
  });

  it('falls back on unparsable values (RFC 2045 §5.2)', () => {
    for (const value of ['', 'text', '/plain', 'text/', ';;']) expect(parseContentType(value, false, fallback)).toBe(fallback);
    expect(parseContentType(undefined, false, fallback)).toBe(fallback);
  });

  it('joins continuations and keeps extended values encoded under name*', () => {
    const part = buildMimeTree(rfc2231Language).root.children[0]!;
    expect(part.contentType.params).toEqual([{ name: 'name*', value: "iso-8859-1'fr'caf%E9.txt", decoded: 'café.txt' }]);
    expect(part.disposition?.params).toEqual([{ name: 'filename*', value: "us-ascii'en'a%20b%20c%25d.txt", decoded: 'a b c%d.txt' }]);
    const plain = parseContentDisposition('attachment; filename*1="b.txt"; filename*0="a "', false);
    expect(plain?.params).toEqual([{ name: 'filename', value: 'a b.txt', decoded: 'a b.txt' }]);
  });

  it('decodes RFC 2047 encoded-words in parameters for display, keeping the value as written', () => {
    const ct = parseContentType('application/pdf; name="=?UTF-8?B?w6l0w6kucGRm?="', false, fallback);
    expect(ct.params).toEqual([{ name: 'name', value: '=?UTF-8?B?w6l0w6kucGRm?=', decoded: 'été.pdf' }]);
  });

  it('keeps unknown charsets readable and lenient unquoted values', () => {
    const ct = parseContentType("application/x; name*=x-unknown''a%41; title=my file.pdf; junk; =v", false, fallback);
    expect(ct.params.map((p) => [p.name, p.decoded])).toEqual([
      ['name*', 'aA'],
      ['title', 'my file.pdf'],
    ]);
  });
});

describe('hostile headers', () => {
  // Each is about a megabyte: a parser that rescans per item would take minutes
  // here, and the test would hit its timeout; a linear one takes milliseconds.
  const n = 200_000;
  const cases: Record<string, string> = {
    'parameters without "="': `Content-Type: a/b${'; x'.repeat(n)}; y=1\r\n\r\n`,
    'many continuations': `Content-Type: a/b${Array.from({ length: n / 4 }, (_v, i) => `; n*${i % 1000}*=x`).join('')}\r\n\r\n`,
    'lines without a colon': `${'junk line\r\n'.repeat(n)}Subject: x\r\n\r\n`,
    'unclosed domain literals': `From: ${'['.repeat(n)}\r\n\r\n`,
    'nested groups': `To: ${'g:'.repeat(n)}\r\n\r\n`,
    'unclosed quotes and comments': `To: ${'"('.repeat(n)}\r\n\r\n`,
    'lines that nearly match the boundary': `Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n${'--bx\r\n'.repeat(n)}`,
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => {
      const tree = buildMimeTree(Buffer.from(text));
      expect(tree.root.bodyEnd).toBe(Buffer.byteLength(text));
      expect(bodyStructure(tree, true).length).toBeGreaterThan(0);
      expect(envelope(tree.root.header).length).toBeGreaterThan(0);
    });
  }
});
