import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsciiTextBody, bodyNeedle } from '../../server/mime/ascii-text-body.js';
import { searchTextOf, summaryOfText } from '../../server/mime/body-text.js';
import { fold } from '../../server/mime/fold.js';

const HEAD = 'Subject: x\r\nContent-Type: text/plain\r\n\r\n';
const piece = fc.constantFrom('a', 'b', 'A', 'B', 'ab', 'Ab', 'aB', ' ', '  ', '\t', '\r\n', '\n', '\v', '\f', '.', '*', '(', '[', '\\', '$', 'x y', 'K');
const text = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));
/** Needles as the search compiler makes them: folded, white space collapsed. */
const needle = fc.oneof(text, fc.constantFrom('é', 'K', 'ǅ')).map((term) => fold(term).replace(/\s+/g, ' '));

function bodyOf(body: string): AsciiTextBody {
  const raw = Buffer.from(HEAD + body, 'latin1');
  const summary = AsciiTextBody.of(raw, HEAD.length);
  if (!summary) throw new Error('expected an ASCII body');
  return summary;
}

describe('ASCII text bodies searched in their bytes', () => {
  it('match exactly where the folded, collapsed search text would', () => {
    fc.assert(
      fc.property(text, needle, (body, term) => {
        const expected = summaryOfText(body, 0, 0);
        const summary = bodyOf(body);
        expect(summary.contains(bodyNeedle(term))).toBe(searchTextOf(body).includes(term));
        expect(summary.snippet).toBe(expected.snippet);
        expect(summary.searchText).toBe(expected.searchText);
      }),
      { numRuns: 5000 },
    );
  });

  it('finds words across line breaks and case, and nothing that is not there', () => {
    const summary = bodyOf('The Quick brown\r\n  fox jumps.\r\n');
    expect(summary.contains(bodyNeedle('quick brown fox'))).toBe(true);
    expect(summary.contains(bodyNeedle('brown fox jumps.'))).toBe(true);
    expect(summary.contains(bodyNeedle('quick fox'))).toBe(false);
    expect(summary.contains(bodyNeedle('café'))).toBe(false);
    expect(bodyOf('all lower case\r\n').contains(bodyNeedle('lower'))).toBe(true);
  });

  it('cuts the snippet of a long body from a prefix, as from the whole text', () => {
    for (const body of ['   \r\n'.repeat(400) + 'Word '.repeat(2000), 'x'.repeat(5000), 'a b\r\n'.repeat(100) + ' '.repeat(3000) + 'tail', 'a'.repeat(249) + '  b', 'a'.repeat(249) + ' \r\n', 'a'.repeat(250) + ' b', ' \t' + 'a'.repeat(248) + ' bc']) {
      expect(bodyOf(body).snippet).toBe(summaryOfText(body, 0, 0).snippet);
    }
  });

  it('searches a large body whose case was not scanned by folding it', () => {
    const raw = Buffer.from(HEAD + 'Mixed CASE Words\r\n', 'latin1');
    const summary = AsciiTextBody.of(raw, HEAD.length, false);
    expect(summary?.contains(bodyNeedle('case words'))).toBe(true);
    expect(summary?.contains(bodyNeedle('mixed'))).toBe(true);
    expect(summary?.contains(bodyNeedle('absent'))).toBe(false);
  });

  it('is only made for bodies without 8-bit bytes', () => {
    const raw = Buffer.from(HEAD + 'Grüße\r\n', 'utf8');
    expect(AsciiTextBody.of(raw, HEAD.length)).toBeUndefined();
  });
});
