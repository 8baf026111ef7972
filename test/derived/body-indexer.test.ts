import { describe, expect, it } from 'vitest';
import { BodyIndexer } from '../../server/derived/body-indexer.js';
import { htmlToText, simpleBodyText, summaryOfText } from '../../server/mime/body-text.js';
import { parseRaw } from '../../server/mime/parse.js';
import { WorkerPool } from '../../server/derived/worker-pool.js';
import { MemoryStore } from '../../server/store/memory-store.js';
import { fixtures } from '../fixtures/mime/messages.js';

/** What the body summary must read: single-part text as the fast path reads it, the rest as mailparser does. */
async function expected(raw: Buffer) {
  const simple = simpleBodyText(raw);
  if (simple) return summaryOfText(simple.text, 0, 0);
  const parsed = await parseRaw(raw);
  const text = parsed.text.trim() === '' && parsed.html ? htmlToText(parsed.html) : parsed.text;
  return summaryOfText(text, parsed.attachments.length, parsed.inline.length);
}

describe('body indexer', () => {
  it('gives every message the summary of its text, whichever path reads it (in place, MIME tree, worker)', async () => {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
    const indexer = new BodyIndexer(store);
    const big = Buffer.from(`Subject: big\r\nContent-Type: text/html\r\n\r\n<p>${'Large body. '.repeat(30_000)}</p>\r\n`);
    const all = { ...fixtures, big };
    const ids = await Promise.all(Object.entries(all).map(async ([name, raw]) => [name, (await store.deliver({ raw, envelope: { mailFrom: '', rcptTo: ['a@x.example'] } })).id] as const));
    await indexer.idle();
    for (const [name, id] of ids) {
      const body = store.get(id)?.body;
      const want = await expected(all[name as keyof typeof all]);
      expect({ snippet: body?.snippet, attachments: body?.attachments, inline: body?.inline, searchText: body?.searchText }, name).toEqual(want);
    }
    await indexer.stop();
  });

  it('reads a multipart whose MIME tree is heavy to build (a header flood) on a worker, not in place', async () => {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
    const pool = new WorkerPool();
    const indexer = new BodyIndexer(store, undefined, pool);
    const flood = Array.from({ length: 4_000 }, (_, i) => `X-Field-${i}: value ${i}`).join('\r\n');
    const raw = Buffer.from(`Subject: flood\r\n${flood}\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nthe words\r\n--b--\r\n`);
    expect(raw.length).toBeLessThan(128 * 1024);
    const { id } = await store.deliver({ raw, envelope: { mailFrom: '', rcptTo: ['a@x.example'] } });
    await indexer.idle();
    expect(store.get(id)?.body?.snippet).toBe('the words');
    expect(pool.answered.summary).toBe(1);
    await indexer.stop();
  });
});
