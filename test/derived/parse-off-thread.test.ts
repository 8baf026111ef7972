import { afterEach, describe, expect, it } from 'vitest';
import { DerivedCache } from '../../server/derived/derived-cache.js';
import { ParseCache } from '../../server/derived/parse-cache.js';
import { viewOffThread } from '../../server/derived/parse-jobs.js';
import { parseRaw, type ParsedMessage } from '../../server/mime/parse.js';
import { WorkerPool } from '../../server/derived/worker-pool.js';
import { fixtures } from '../fixtures/mime/messages.js';

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** A part: its header lines, a blank line, its body (RFC 2046 §5.1.1). */
const part = (boundary: string, header: string[], body: string) => [`--${boundary}`, ...header, '', body];

/** Over 128 KB, so ParseCache hands it to the pool: an attachment, then HTML with an inline image. */
const heavy = Buffer.from(
  [
    'Subject: heavy',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    ...part('outer', ['Content-Type: application/octet-stream; name="blob.bin"', 'Content-Disposition: attachment; filename="blob.bin"', 'Content-Transfer-Encoding: base64'], Buffer.alloc(30_000, 7).toString('base64').replace(/.{76}/g, '$&\r\n')),
    ...part('outer', ['Content-Type: multipart/related; boundary="inner"'], ''),
    ...part('inner', ['Content-Type: text/html; charset=utf-8'], `<p>${'Long HTML. '.repeat(12_000)}<img src="cid:logo@x"></p>`),
    ...part('inner', ['Content-Type: image/gif', 'Content-ID: <logo@x>', 'Content-Transfer-Encoding: base64'], 'R0lGODlhAQABAAAAACw='),
    '--inner--',
    '--outer--',
    '',
  ].join('\r\n'),
);

/** A store holding one message, and that message: what ParseCache.get is handed. */
const stored = (id: string, raw: Buffer) => [{ readRaw: (asked: string) => Promise.resolve(asked === id ? raw : undefined) }, { id, size: raw.length }] as const;

describe('parsed views made on a worker thread', () => {
  it('equal the main thread’s parse, attachment bytes and header lines included', async () => {
    pool = new WorkerPool({ size: 1 });
    for (const [name, raw] of Object.entries({ ...fixtures, heavy })) {
      const view = await viewOffThread(raw, pool);
      expect(view, name).toEqual(await parseRaw(raw));
    }
    expect(pool.answered.view).toBe(Object.keys(fixtures).length + 1);
  });

  it('are what ParseCache gives for a heavy message, while a light one is parsed in place', async () => {
    pool = new WorkerPool({ size: 1 });
    const cache = new ParseCache(new DerivedCache(), pool);
    expect(await cache.get(...stored('light', fixtures.mixedAttachment))).toEqual(await parseRaw(fixtures.mixedAttachment));
    expect(pool.answered.view).toBeUndefined();
    const view = (await cache.get(...stored('heavy', heavy))) as ParsedMessage;
    expect(pool.answered.view).toBe(1);
    expect(view.inline.map((p) => [p.partId, p.contentId])).toEqual([['2.2', 'logo@x']]);
    expect(view.attachments[0]?.content).toEqual(Buffer.alloc(30_000, 7));
    expect(view).toEqual(await parseRaw(heavy));
  });

  it('are empty when the parse is given up, and the cache still answers', async () => {
    pool = new WorkerPool({ size: 1, timeLimitMs: 1 });
    const cache = new ParseCache(new DerivedCache(), pool);
    const view = (await cache.get(...stored('heavy', heavy))) as ParsedMessage;
    expect(view).toMatchObject({ text: '', html: '', attachments: [], inline: [], headerLines: [] });
    expect(view.error).toMatch(/time limit/);
    expect(pool.answered.view).toBeUndefined();
  });
});
