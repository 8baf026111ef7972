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

  it('finds a field at the end of a flood of 100,000', () => {
    const raw = Buffer.from(`${Array.from({ length: 100_000 }, (_, i) => `X-Flood-${i}: ${i}\r\n`).join('')}List-Unsubscribe: <last>\r\n\r\nbody`);
    expect(firstFieldValue(raw, 'List-Unsubscribe')).toBe('<last>');
    expect(firstFieldValue(raw, 'X-Missing')).toBeUndefined();
  });
});
