import { describe, expect, it } from 'vitest';
import { bodySection, type SectionSpec } from '../../server/imap/body-section.js';
import { buildMimeTree } from '../../server/mime/mime-tree.js';
import { bareLf, fixtures, headerOnly, missingBoundary, rfc822Attachment, rfc822Single, simple, type FixtureName } from '../fixtures/mime/messages.js';

/** Parses "2.1.HEADER.FIELDS (A B)"-style section text into a spec, for readable tables. */
function spec(text: string, partial?: SectionSpec['partial']): SectionSpec {
  const match = /^([\d.]*?)\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)?(?: \((.*)\))?$/.exec(text);
  if (!match) throw new Error(`bad section ${text}`);
  const part = match[1] ? match[1].split('.').map(Number) : [];
  const kind = (match[2] ?? '') as SectionSpec['kind'];
  return { part, kind, ...(match[3] !== undefined ? { fields: match[3].split(' ') } : {}), ...(partial ? { partial } : {}) };
}

const fetch = (raw: Buffer, section: string, partial?: SectionSpec['partial']): string =>
  bodySection(raw, buildMimeTree(raw), spec(section, partial)).toString('utf8');

describe('BODY[section] of a forwarded multipart message', () => {
  // Expected bytes, checked by hand against RFC 3501 §6.4.5 and a reference server.
  const cases: [string, string][] = [
    ['1', 'Forwarded below.'],
    ['1.1', 'Forwarded below.'],
    ['1.1.1', ''],
    ['1.MIME', 'Content-Type: text/plain\r\n\r\n'],
    ['1.HEADER', ''],
    ['2.MIME', 'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="lunch.eml"\r\n\r\n'],
    [
      '2.HEADER',
      'From: Carol <carol@blue.example>\r\nTo: alice@red.example\r\nSubject: lunch\r\nDate: Wed, 03 Jan 2024 12:00:00 +0100\r\n' +
        'Message-ID: <lunch@blue.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="in"\r\n\r\n',
    ],
    ['2.TEXT', '--in\r\nContent-Type: text/plain\r\n\r\nNoon?\r\n--in\r\nContent-Type: text/html\r\n\r\n<b>Noon?</b>\r\n--in--\r\n'],
    ['2.HEADER.FIELDS (SUBJECT FROM)', 'From: Carol <carol@blue.example>\r\nSubject: lunch\r\n\r\n'],
    ['2.1', 'Noon?'],
    ['2.1.MIME', 'Content-Type: text/plain\r\n\r\n'],
    ['2.1.1', 'Noon?'],
    ['2.2', '<b>Noon?</b>'],
    ['2.1.HEADER', ''],
    ['3', ''],
    ['3.MIME', ''],
    ['HEADER.FIELDS (X-NONE)', '\r\n'],
  ];
  for (const [section, want] of cases) {
    it(section, () => expect(fetch(rfc822Attachment, section)).toBe(want));
  }

  it('BODY[2] is the whole encapsulated message', () => {
    const out = fetch(rfc822Attachment, '2');
    expect(out).toBe(fetch(rfc822Attachment, '2.HEADER') + fetch(rfc822Attachment, '2.TEXT'));
    expect(out.startsWith('From: Carol')).toBe(true);
  });
});

describe('BODY[section] of other shapes', () => {
  it('a single-part message: part 1 is its body, 1.MIME its header', () => {
    const headerEnd = simple.indexOf('\r\n\r\n') + 4;
    expect(fetch(simple, '1')).toBe('Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n');
    expect(fetch(simple, '1.MIME')).toBe(simple.subarray(0, headerEnd).toString());
    expect(fetch(simple, 'HEADER')).toBe(simple.subarray(0, headerEnd).toString());
    expect(fetch(simple, 'TEXT')).toBe(fetch(simple, '1'));
    expect(fetch(simple, '1.1')).toBe('');
    expect(fetch(simple, '2')).toBe('');
    expect(fetch(simple, 'HEADER.FIELDS (subject)')).toBe('Subject: afternoon meeting\r\n\r\n');
    expect(fetch(simple, 'HEADER.FIELDS.NOT (Return-Path Date From Subject To Message-Id MIME-Version)')).toBe(
      'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n',
    );
  });

  it('an encapsulated single-part message: 1.1 is its body, 1.1.MIME its header', () => {
    expect(fetch(rfc822Single, '1')).toBe('From: carol@blue.example\r\nSubject: note\r\n\r\nA short note.');
    expect(fetch(rfc822Single, '1.1')).toBe('A short note.');
    expect(fetch(rfc822Single, '1.1.MIME')).toBe('From: carol@blue.example\r\nSubject: note\r\n\r\n');
    expect(fetch(rfc822Single, '1.TEXT')).toBe('A short note.');
    expect(fetch(rfc822Single, '1.HEADER.FIELDS.NOT (FROM)')).toBe('Subject: note\r\n\r\n');
  });

  it('a message whose body is message/rfc822: part 1 is the encapsulated message', () => {
    // As a reference server answers for these bytes.
    const inner = 'Subject: inner\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nP1\r\n--b\r\n\r\nP2\r\n--b--\r\n';
    const raw = Buffer.from(`Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n${inner}`);
    expect(fetch(raw, '1')).toBe(inner);
    expect(fetch(raw, '1.HEADER')).toBe('Subject: inner\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n');
    expect(fetch(raw, '1.TEXT')).toBe('--b\r\n\r\nP1\r\n--b\r\n\r\nP2\r\n--b--\r\n');
    expect(fetch(raw, '1.MIME')).toBe('Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n');
    expect(fetch(raw, '1.1')).toBe('P1');
    expect(fetch(raw, '1.2')).toBe('P2');
    expect(fetch(raw, '1.1.1')).toBe('P1');
    expect(fetch(raw, '1.1.MIME')).toBe('\r\n');
    expect(fetch(raw, '2')).toBe('');
    const single = Buffer.from('Subject: outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n');
    expect(fetch(single, '1.1')).toBe('inner body\r\n');
    expect(fetch(single, '1.1.MIME')).toBe('Subject: inner\r\n\r\n');
    expect(fetch(single, '1.1.1')).toBe('');
  });

  it('keeps folded field lines whole and bare LF as it is', () => {
    const folded = Buffer.from('Subject: one\r\n two\r\nX-A: 1\r\n\r\nbody');
    expect(fetch(folded, 'HEADER.FIELDS (SUBJECT)')).toBe('Subject: one\r\n two\r\n\r\n');
    expect(fetch(bareLf, 'HEADER.FIELDS (SUBJECT)')).toBe('Subject: bare LF\n\n');
    expect(fetch(bareLf, '1')).toBe('one\ntwo');
    expect(fetch(bareLf, '2.MIME')).toBe('Content-Type: text/plain; charset=iso-8859-1\n\n');
  });

  it('a header without a blank line: HEADER is the whole message, TEXT is empty', () => {
    expect(fetch(headerOnly, 'HEADER')).toBe(headerOnly.toString());
    expect(fetch(headerOnly, 'TEXT')).toBe('');
    expect(fetch(headerOnly, 'HEADER.FIELDS (SUBJECT)')).toBe('Subject: header only\r\n');
    expect(fetch(headerOnly, 'HEADER.FIELDS.NOT (SUBJECT)')).toBe('From: alice@red.example\r\n');
  });

  it('a multipart without a boundary has no parts', () => {
    expect(fetch(missingBoundary, '1')).toBe('');
    expect(fetch(missingBoundary, 'TEXT')).toBe('--whatever\r\nContent-Type: text/plain\r\n\r\ntext\r\n--whatever--\r\n');
  });
});

describe('partial fetches <start.length>', () => {
  it('slices the section', () => {
    expect(fetch(simple, '1', { start: 0, length: 5 })).toBe('Hello');
    expect(fetch(simple, '1', { start: 6, length: 3 })).toBe('Joe');
    expect(fetch(simple, '1', { start: 50 })).toBe('ow?\r\n');
    expect(fetch(simple, '1', { start: 55, length: 10 })).toBe('');
    expect(fetch(simple, '1', { start: 1000, length: 10 })).toBe('');
    expect(fetch(simple, '1', { start: 3, length: 0 })).toBe('');
  });
});

describe('zero copy', () => {
  it('returns views of the stored bytes for whole ranges', () => {
    const raw = rfc822Attachment;
    const tree = buildMimeTree(raw);
    expect(bodySection(raw, tree, spec(''))).toBe(raw);
    for (const section of ['2', '2.HEADER', '2.TEXT', '2.1', '2.MIME', 'TEXT']) {
      const out = bodySection(raw, tree, spec(section, { start: 1, length: 3 }));
      expect(out.buffer).toBe(raw.buffer);
      expect(out.byteOffset).toBeGreaterThanOrEqual(raw.byteOffset);
    }
  });
});

describe('every fixture', () => {
  it('BODY[] is the stored bytes and HEADER + TEXT put them back together', () => {
    for (const name of Object.keys(fixtures) as FixtureName[]) {
      const raw = fixtures[name];
      const tree = buildMimeTree(raw);
      expect(bodySection(raw, tree, spec('')).equals(raw)).toBe(true);
      const joined = Buffer.concat([bodySection(raw, tree, spec('HEADER')), bodySection(raw, tree, spec('TEXT'))]);
      expect(joined.equals(raw), name).toBe(true);
    }
  });
});
