import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, retrChunks, topChunks, wireInfo } from '../../server/pop3/wire-form.js';

/** What a client does with RETR output (RFC 1939 §3): split on CRLF, drop one leading dot. */
function unstuff(sent: Buffer): Buffer {
  const text = sent.toString('latin1');
  expect(text === '' || text.endsWith('\r\n')).toBe(true);
  const lines = text === '' ? [] : text.slice(0, -2).split('\r\n');
  // A lone dot would end the reply early: stuffing must never leave one.
  expect(lines.includes('.')).toBe(false);
  return Buffer.from(lines.map((l) => (l.startsWith('.') ? l.slice(1) : l) + '\r\n').join(''), 'latin1');
}

const sent = (raw: Buffer) => Buffer.concat([...retrChunks(raw)]);

describe('the wire form of RETR', () => {
  it('sends CRLF mail as it is stored, without copying when nothing needs stuffing', () => {
    const raw = Buffer.from('Subject: a\r\n\r\nbody\r\n');
    expect(wireInfo(raw)).toEqual({ size: raw.length, verbatim: true });
    const chunks = [...retrChunks(raw)];
    expect(chunks[0]?.buffer).toBe(raw.buffer);
    expect(Buffer.concat(chunks).equals(raw)).toBe(true);
  });

  it('stuffs lines that start with a dot, and the size counts them once', () => {
    const raw = Buffer.from('.\r\n..\r\nx\r\n.y\r\n');
    expect(wireInfo(raw)).toEqual({ size: raw.length, verbatim: false });
    expect(sent(raw).toString()).toBe('..\r\n...\r\nx\r\n..y\r\n');
    expect(unstuff(sent(raw)).equals(raw)).toBe(true);
  });

  it('turns bare LF into CRLF and ends the message with CRLF; LIST counts those octets', () => {
    const raw = Buffer.from('Subject: bare\n\nline1\n.line2');
    expect(sent(raw).toString()).toBe('Subject: bare\r\n\r\nline1\r\n..line2\r\n');
    expect(wireInfo(raw).size).toBe(unstuff(sent(raw)).length);
    expect(wireInfo(raw).size).toBe(raw.length + 3 + 2);
  });

  it('keeps a bare CR as a byte of its line', () => {
    const raw = Buffer.from('a\rb\r\nc\r');
    expect(sent(raw).toString()).toBe('a\rb\r\nc\r\r\n');
    expect(wireInfo(raw).size).toBe(raw.length + 2);
  });

  it('an empty message is empty', () => {
    expect(wireInfo(Buffer.alloc(0)).size).toBe(0);
    expect(sent(Buffer.alloc(0)).length).toBe(0);
  });

  it('chunks stay near CHUNK_SIZE, even for one very long dotted line', () => {
    const raw = Buffer.from('.' + 'x'.repeat(3 * CHUNK_SIZE) + '\n' + '.\n'.repeat(CHUNK_SIZE));
    const chunks = [...retrChunks(raw)];
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(CHUNK_SIZE + 3);
    expect(unstuff(Buffer.concat(chunks)).length).toBe(wireInfo(raw).size);
  });

  test.prop([fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a.map((b) => [0x0a, 0x0d, 0x2e, 0x41][b % 4] as number)))])(
    'for any bytes, the client un-stuffs exactly LIST-size octets, and CRLF mail comes back unchanged',
    (raw) => {
      const received = unstuff(sent(raw));
      expect(received.length).toBe(wireInfo(raw).size);
      const normalised = Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/([^\n])$/, '$1\r\n'), 'latin1');
      expect(received.equals(raw.length === 0 ? raw : normalised)).toBe(true);
    },
  );
});

describe('TOP', () => {
  const raw = Buffer.from('A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n');

  it('sends the header and the first n body lines', () => {
    expect(Buffer.concat([...topChunks(raw, 0)]).toString()).toBe('A: 1\r\nB: 2\r\n\r\n');
    expect(Buffer.concat([...topChunks(raw, 2)]).toString()).toBe('A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n');
    expect(Buffer.concat([...topChunks(raw, 10)]).toString()).toBe('A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n');
  });

  it('a message without a body sends whole; bare-LF headers end at the first empty line', () => {
    expect(Buffer.concat([...topChunks(Buffer.from('A: 1\r\nB: 2'), 0)]).toString()).toBe('A: 1\r\nB: 2\r\n');
    expect(Buffer.concat([...topChunks(Buffer.from('A: 1\n\nbody\nmore\n'), 1)]).toString()).toBe('A: 1\r\n\r\nbody\r\n');
  });
});
