import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DerivedCache } from '../../server/derived/derived-cache.js';
import { ParseCache } from '../../server/derived/parse-cache.js';
import { parseRaw } from '../../server/mime/parse.js';

const MIXED = Buffer.from(
  [
    'Subject: parts',
    'Content-Type: multipart/mixed; boundary="m"',
    '',
    '--m',
    'Content-Type: multipart/related; boundary="r"',
    '',
    '--r',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>hi <img src="cid:logo@x"></p>',
    '--r',
    'Content-Type: image/gif',
    'Content-ID: <logo@x>',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAAAAACw=',
    '--r--',
    '--m',
    'Content-Type: text/csv; name="data.csv"',
    'Content-Disposition: attachment; filename="data.csv"',
    '',
    'a,b',
    '--m--',
    '',
  ].join('\r\n'),
);

describe('mailparser adapter', () => {
  it('separates inline parts from attachments, with MIME part paths and checksums', async () => {
    const parsed = await parseRaw(MIXED);
    expect(parsed.html).toContain('cid:logo@x');
    expect(parsed.inline.map((p) => [p.partId, p.contentId, p.contentType])).toEqual([['1.2', 'logo@x', 'image/gif']]);
    expect(parsed.attachments.map((p) => [p.partId, p.fileName])).toEqual([['2', 'data.csv']]);
    const csv = parsed.attachments[0];
    expect(csv?.checksums.SHA1).toBe(createHash('sha1').update(csv?.content ?? '').digest('hex'));
    expect(parsed.headerLines[0]).toEqual({ name: 'Subject', value: 'parts' });
  });

  it('never rejects on garbage', async () => {
    const parsed = await parseRaw(Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0x80]));
    expect(parsed.attachments).toEqual([]);
  });

  it('caches a bounded number of parses', async () => {
    const cache = new ParseCache(new DerivedCache({ maxEntries: 2, maxBytes: 1024 * 1024 }));
    const raw = (id: string) => Buffer.from(`Subject: ${id}\r\n\r\nbody ${id}`);
    const store = { readRaw: (id: string) => Promise.resolve(raw(id)) };
    const message = (id: string) => ({ id, size: raw(id).length });
    const a = message('a');
    const first = cache.get(store, a);
    expect(cache.get(store, a)).toBe(first);
    void cache.get(store, message('b'));
    void cache.get(store, message('c'));
    expect(cache.get(store, a)).not.toBe(first);
    expect((await cache.get(store, a))?.text.trim()).toBe('body a');
  });
});
