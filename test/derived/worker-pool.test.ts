import { afterEach, describe, expect, it } from 'vitest';
import { htmlToText, summaryOfText } from '../../server/mime/body-text.js';
import { parseRaw } from '../../server/mime/parse.js';
import { summariseOffThread } from '../../server/derived/parse-jobs.js';
import { WorkerPool } from '../../server/derived/worker-pool.js';
import { fixtures } from '../fixtures/mime/messages.js';

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** The summary as the indexer made it on the main thread, from the shared mailparser adapter. */
async function onMainThread(raw: Buffer) {
  const parsed = await parseRaw(raw);
  const text = parsed.text.trim() === '' && parsed.html ? htmlToText(parsed.html) : parsed.text;
  return summaryOfText(text, parsed.attachments.length, parsed.inline.length);
}

describe('parse pool (worker threads)', () => {
  it('summarises every fixture as the main-thread parse does', async () => {
    pool = new WorkerPool({ size: 2 });
    const names = Object.keys(fixtures) as Array<keyof typeof fixtures>;
    const results = await Promise.all(names.map((name) => summariseOffThread(fixtures[name], 'full', pool)));
    for (const [i, name] of names.entries()) {
      expect(results[i], name).toEqual(await onMainThread(fixtures[name]));
    }
    expect(pool.pending).toBe(0);
  });

  it('gives up a parse past the time limit, and the next message is parsed by a new worker', async () => {
    const big = Buffer.concat([
      Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n'),
      ...Array.from({ length: 3000 }, (_, i) => Buffer.from(`--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`)),
      Buffer.from('--b--\r\n'),
    ]);
    pool = new WorkerPool({ size: 1, timeLimitMs: 1 });
    expect(await summariseOffThread(big, 'full', pool)).toBeUndefined();
    await pool.close();
    pool = new WorkerPool({ size: 1 });
    const summary = await summariseOffThread(fixtures.mixedAttachment, 'full', pool);
    expect(summary).toEqual(await onMainThread(fixtures.mixedAttachment));
  });
});
