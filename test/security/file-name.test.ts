import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { contentDisposition, safeFileName } from '../../server/security/file-name.js';

/** Pieces a hostile sender puts in a name, mixed with any Unicode at all. */
const piece = fc.oneof(
  fc.constantFrom('/', '\\', '..', '.', ' ', '\0', '\r\n', '\x7f', '\u0085', '\u202e', '\u202a', '\u2066', '\u2069', '"', '%', "'", '*', '\ud800', '\udfff', '\u{1f600}', 'é', '.exe', 'a'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const hostileName = fc.array(piece, { maxLength: 80 }).map((pieces) => pieces.join(''));

describe('safeFileName', () => {
  test.prop([hostileName], { numRuns: 2000 })('gives one harmless segment, and is idempotent', (name) => {
    const safe = safeFileName(name);
    expect(safe).not.toMatch(/[/\\]|\.\.|^[\s.]|[\s.]$/);
    expect(safe).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(() => encodeURIComponent(safe)).not.toThrow();
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(255);
    expect(safeFileName(safe)).toBe(safe);
  });

  test.prop([hostileName, fc.constantFrom('inline', 'attachment')], { numRuns: 2000 })('gives a Content-Disposition whose two forms agree', (name, kind) => {
    const value = contentDisposition(kind, name, 'part-1');
    const match = /^(inline|attachment); filename="([\x20-\x21\x23-\x24\x26-\x5b\x5d-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]*)$/.exec(value);
    expect(match?.[1]).toBe(kind);
    expect(decodeURIComponent(match?.[3] ?? '')).toBe(safeFileName(name) || 'part-1');
    expect(match?.[2]).toBe((safeFileName(name) || 'part-1').replace(/[^\x20-\x7e]|["\\%]/g, '_'));
  });

  it('keeps the extension of a name it shortens', () => {
    expect(safeFileName(`${'\u{1f600}'.repeat(100)}.pdf`)).toBe(`${'\u{1f600}'.repeat(62)}.pdf`);
    expect(safeFileName('..\\..\\a\u202Efdp.exe')).toBe('_._afdp.exe');
  });
});
