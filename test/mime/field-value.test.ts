import { describe, expect, it } from 'vitest';
import { firstFieldValue } from '../../server/mime/field-value.js';
import { readHeaderFields } from '../../server/mime/headers.js';
import { fixtures } from '../fixtures/mime/messages.js';

/** What splitting the whole header gives: the reference the scan must match. */
function byFields(raw: Buffer, name: string): string | undefined {
  return readHeaderFields(raw).find((f) => f.name.toLowerCase() === name.toLowerCase())?.value;
}

const NAMES = ['From', 'to', 'SUBJECT', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'Content-Type', 'X-Missing'];

describe('first field value, found by scanning line starts', () => {
  it('equals the split header’s first value for every fixture', () => {
    for (const [name, raw] of Object.entries(fixtures)) for (const field of NAMES) expect(firstFieldValue(raw, field), `${name} ${field}`).toBe(byFields(raw, field));
  });

  it('unfolds continuation lines, allows space before the colon, and ignores look-alikes', () => {
    const raw = Buffer.from(
      [
        'X-Note: mentions',
        ' List-Unsubscribe: <not-a-field>',
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        'List\rUnsubscribe: <bad-name>',
        'list-unsubscribe  : <https://red.example/u>,',
        '\t<mailto:u@red.example>',
        'List-Unsubscribe: <second>',
        '',
        'List-Unsubscribe: <in the body>',
      ].join('\r\n'),
    );
    for (const field of NAMES) expect(firstFieldValue(raw, field), field).toBe(byFields(raw, field));
    expect(firstFieldValue(raw, 'List-Unsubscribe')).toBe('<https://red.example/u>,\t<mailto:u@red.example>');
  });

  it('looks through the first 10,000 header lines of a flood, no further', () => {
    const flood = (before: number) => Buffer.from(`${'X-Flood: 1\r\n'.repeat(before)}List-Unsubscribe: <found>\r\n${'X-Flood: 2\r\n'.repeat(100_000 - before)}\r\nbody`);
    expect(firstFieldValue(flood(9_999), 'List-Unsubscribe')).toBe('<found>');
    expect(firstFieldValue(flood(10_000), 'List-Unsubscribe')).toBeUndefined();
  });
});
