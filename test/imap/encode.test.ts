import { describe, expect, it } from 'vitest';
import { astring, canQuote, joinOutput, list, literal, literalPrefix, nstring, quoted, string } from '../../server/imap/encode.js';

describe('IMAP string encoding (RFC 3501 §4.3)', () => {
  it('quotes plain text, escaping " and \\', () => {
    expect(quoted('Hello')).toBe('"Hello"');
    expect(quoted('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(quoted('')).toBe('""');
  });

  it('refuses to quote CR, LF, NUL and (without UTF-8) 8-bit', () => {
    for (const bad of ['a\r', 'a\nb', 'a\0', 'é']) expect(() => quoted(bad)).toThrow(RangeError);
    expect(quoted('é', { utf8: true })).toBe('"é"');
    expect(canQuote(Buffer.from([0xe9]), { utf8: true })).toBe(false); // latin-1 byte: not UTF-8
    expect(canQuote('\ud800x', { utf8: true })).toBe(false); // lone surrogate
  });

  it('makes literals with the byte count', () => {
    expect(literal('a\r\nb')).toBe('{4}\r\na\r\nb');
    expect(literal('é')).toBe('{2}\r\né');
    const bytes = literal(Buffer.from([0x41, 0xe9]));
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(Buffer.from(bytes as Buffer).equals(Buffer.from([0x7b, 0x32, 0x7d, 0x0d, 0x0a, 0x41, 0xe9]))).toBe(true);
    expect(literalPrefix(5, { nonSync: true })).toBe('{5+}\r\n');
  });

  it('nstring picks NIL, quoted, or literal', () => {
    expect(nstring(null)).toBe('NIL');
    expect(nstring(undefined)).toBe('NIL');
    expect(nstring('NIL')).toBe('"NIL"');
    expect(nstring('Grüße')).toBe('{7}\r\nGrüße');
    expect(nstring('Grüße', { utf8: true })).toBe('"Grüße"');
    expect(nstring('x'.repeat(1025))).toBe(`{1025}\r\n${'x'.repeat(1025)}`);
    expect(nstring('x'.repeat(10), { maxQuoted: 5 })).toBe(`{10}\r\n${'x'.repeat(10)}`);
    expect(string(Buffer.from('plain'))).toBe('"plain"');
  });

  it('astring is an atom when it can be', () => {
    expect(astring('INBOX')).toBe('INBOX');
    expect(astring('Archive/2024')).toBe('Archive/2024');
    expect(astring('a]b}')).toBe('a]b}');
    expect(astring('nil')).toBe('"nil"');
    expect(astring('')).toBe('""');
    for (const special of ['a b', 'a(b', 'a)b', 'a{b', 'a%b', 'a*b', 'a"b', 'a\\b']) {
      expect(astring(special)).toBe(quoted(special));
    }
  });

  it('lists join with single spaces and stay strings unless a chunk is bytes', () => {
    expect(list([])).toBe('()');
    expect(list(['"a"', 'NIL', list(['1', '2'])])).toBe('("a" NIL (1 2))');
    const mixed = list(['"a"', Buffer.from([0xff])]);
    expect(Buffer.isBuffer(mixed)).toBe(true);
    expect(joinOutput(['a', Buffer.from('b')]).toString()).toBe('ab');
  });
});
