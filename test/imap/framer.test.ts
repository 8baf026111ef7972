import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Framer, type Frame } from '../../server/imap/framer.js';
import { ParseError, Reader } from '../../server/imap/parser.js';
import { readSearchKey } from '../../server/imap/search-criteria.js';
import { readSequenceSet, resolveSequenceNumbers, resolveUids } from '../../server/imap/sequence-set.js';

function frame(input: Buffer[], limits = { maxLine: 1024, maxLiteral: 4096 }) {
  const frames: Frame[] = [];
  let continuations = 0;
  const framer = new Framer(limits, (f) => frames.push(f), () => continuations++);
  for (const chunk of input) framer.push(chunk);
  return { frames, continuations, framer };
}

describe('IMAP framer', () => {
  it('joins a command with its literals and asks for synchronising ones only', () => {
    const { frames, continuations } = frame([Buffer.from('a LOGIN {3}\r\nbob {2+}\r\npw\r\nb NOOP\r\n')]);
    expect(frames.map((f) => (f.kind === 'line' ? f.bytes.toString() : f.kind))).toEqual(['a LOGIN {3}\r\nbob {2+}\r\npw\r\n', 'b NOOP\r\n']);
    expect(continuations).toBe(1);
  });

  test.prop([fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 })])('gives the same frames however the bytes are split', (cuts) => {
    const input = Buffer.from('t1 APPEND INBOX {11}\r\nhello\r\nworld\r\nt2 NOOP\r\nt3 LOGIN "a b" {1+}\r\nc\r\n');
    const chunks: Buffer[] = [];
    let at = 0;
    for (const cut of cuts) {
      if (at >= input.length) break;
      chunks.push(input.subarray(at, at + cut));
      at += cut;
    }
    chunks.push(input.subarray(at));
    const whole = frame([input]).frames;
    expect(frame(chunks).frames).toEqual(whole);
    expect(whole).toHaveLength(3);
  });

  it('drops a line past the cap while it streams, keeping nothing of it', () => {
    const { frames, framer } = frame([Buffer.from('x1 NOOP ' + 'a'.repeat(5000)), Buffer.from('b'.repeat(5000))]);
    expect(frames.map((f) => f.kind)).toEqual(['too-long']);
    expect(framer.buffered).toBe(0);
  });

  it('refuses a literal past the cap before reading it', () => {
    const { frames, continuations } = frame([Buffer.from('x1 APPEND INBOX {4294967296}\r\n')]);
    expect(frames).toMatchObject([{ kind: 'literal-too-big', size: 4294967296, sync: true }]);
    expect(continuations).toBe(0);
  });
});

describe('IMAP parser pieces', () => {
  test.prop([fc.uint8Array({ maxLength: 200 })])('the command parsers throw nothing but ParseError on any bytes', (bytes) => {
    for (const read of [readSequenceSet, readSearchKey, (r: Reader) => r.astring(), (r: Reader) => r.list(() => r.flag())]) {
      try {
        read(new Reader(Buffer.from(bytes)));
      } catch (error) {
        expect(error).toBeInstanceOf(ParseError);
      }
    }
  });

  it('resolves sequence sets in any order, with * and clipping', () => {
    const set = (text: string) => readSequenceSet(new Reader(Buffer.from(text)));
    expect(resolveSequenceNumbers(set('5:2,*'), 6)).toEqual([1, 2, 3, 4, 5]);
    expect(resolveSequenceNumbers(set('1:4294967295'), 3)).toEqual([0, 1, 2]);
    expect(resolveSequenceNumbers(set('7'), 3)).toBe('invalid');
    expect(resolveUids(set('3:*'), [2, 4, 9])).toEqual([1, 2]);
    expect(resolveUids(set('100:*'), [2, 4, 9])).toEqual([2]);
    expect(resolveUids(set('1,9,5:6'), [2, 4, 9])).toEqual([2]);
    // RFC 5182 `$`: the indexes the saved result names, alone or with other ranges; empty is valid.
    expect(resolveSequenceNumbers(set('$'), 6, [1, 4])).toEqual([1, 4]);
    expect(resolveSequenceNumbers(set('$'), 6, [])).toEqual([]);
    expect(resolveSequenceNumbers(set('1,$'), 6, [4])).toEqual([0, 4]);
    expect(resolveUids(set('$'), [2, 4, 9], [2])).toEqual([2]);
    expect(resolveUids(set('$,2'), [2, 4, 9], [2])).toEqual([0, 2]);
  });
});
