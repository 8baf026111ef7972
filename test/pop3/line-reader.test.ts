import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { LineReader, type LineEvent } from '../../server/lib/line-reader.js';

function drain(reader: LineReader): LineEvent[] {
  const events: LineEvent[] = [];
  for (let event = reader.next(); event; event = reader.next()) events.push(event);
  return events;
}

const lines = (events: LineEvent[]) => events.map((e) => (e.kind === 'line' ? e.line.toString('latin1') : `<too-long ${e.length}>`));

describe('LineReader', () => {
  it('frames CRLF and bare LF lines, and holds an unfinished one', () => {
    const reader = new LineReader(100);
    reader.push(Buffer.from('USER bob\r\nPASS x\nST'));
    expect(lines(drain(reader))).toEqual(['USER bob', 'PASS x']);
    expect(reader.buffered).toBe(2);
    reader.push(Buffer.from('AT\r'));
    expect(drain(reader)).toEqual([]);
    reader.push(Buffer.from('\n'));
    expect(lines(drain(reader))).toEqual(['STAT']);
    expect(reader.buffered).toBe(0);
  });

  it('reports a line past the cap as soon as it passes, once, and skips to its end', () => {
    const reader = new LineReader(10);
    reader.push(Buffer.from('x'.repeat(8)));
    expect(drain(reader)).toEqual([]);
    reader.push(Buffer.from('x'.repeat(8)));
    expect(lines(drain(reader))).toEqual(['<too-long 16>']);
    reader.push(Buffer.from('x'.repeat(100_000)));
    expect(drain(reader)).toEqual([]);
    expect(reader.buffered).toBe(0);
    reader.push(Buffer.from('yyy\r\nNOOP\r\n'));
    expect(lines(drain(reader))).toEqual(['NOOP']);
  });

  it('takes a line of exactly the cap, and refuses one octet more', () => {
    const reader = new LineReader(10);
    reader.push(Buffer.from('0123456789\r\n01234567890\r\n'));
    expect(lines(drain(reader))).toEqual(['0123456789', '<too-long 11>']);
  });

  it('clear() forgets everything buffered', () => {
    const reader = new LineReader(10);
    reader.push(Buffer.from('CAPA\r\nQUIT\r\nNO'));
    reader.clear();
    expect(drain(reader)).toEqual([]);
    expect(reader.buffered).toBe(0);
  });

  test.prop([fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\r', '.'), maxLength: 30 }), { maxLength: 20 }), fc.array(fc.nat(40), { maxLength: 10 })])(
    'any split of the input into chunks frames the same lines',
    (texts, cuts) => {
      const input = Buffer.from(texts.map((t) => t.replace(/\r/g, '') + '\r\n').join(''));
      const whole = new LineReader(1000);
      whole.push(input);
      const expected = lines(drain(whole));
      const pieces = new LineReader(1000);
      const got: LineEvent[] = [];
      let at = 0;
      for (const cut of cuts) {
        pieces.push(input.subarray(at, Math.min(input.length, at + cut)));
        at = Math.min(input.length, at + cut);
        got.push(...drain(pieces));
      }
      pieces.push(input.subarray(at));
      got.push(...drain(pieces));
      expect(lines(got)).toEqual(expected);
      expect(expected).toEqual(texts.map((t) => t.replace(/\r/g, '')));
    },
  );
});
