import { describe, expect, it } from 'vitest';
import { parsesOffThread } from '../../server/mime/off-thread.js';
import { fixtures } from '../fixtures/mime/messages.js';
import { hostileCorpus } from '../helpers/hostile-corpus.js';

describe('which parses leave the event loop', () => {
  it('none of the ordinary fixtures', () => {
    for (const [name, raw] of Object.entries(fixtures)) expect(parsesOffThread(raw), name).toBe(false);
  });

  it('a large message, a long header, and a small message of many parts', () => {
    expect(parsesOffThread(Buffer.from(`Subject: big\r\n\r\n${'x'.repeat(200 * 1024)}`))).toBe(true);
    expect(parsesOffThread(Buffer.from(`${'X-Flood: 1\r\n'.repeat(4000)}\r\nbody`))).toBe(true);
    const parts = '--p\r\n\r\nx\r\n'.repeat(200);
    expect(parsesOffThread(Buffer.from(`Content-Type: multipart/mixed; boundary=p\r\n\r\n${parts}--p--\r\n`))).toBe(true);
    expect(parsesOffThread(Buffer.from(`Content-Type: multipart/mixed; boundary=p\r\n\r\n${'--p\r\n\r\nx\r\n'.repeat(20)}--p--\r\n`))).toBe(false);
  });

  it('every MIME bomb of the hostile corpus', () => {
    const bombs = hostileCorpus().filter((m) => ['deep-nesting', 'ten-thousand-parts', 'base64-20mb-line', 'header-flood'].includes(m.name));
    expect(bombs).toHaveLength(4);
    for (const bomb of bombs) expect(parsesOffThread(bomb.raw), bomb.name).toBe(true);
  });
});
