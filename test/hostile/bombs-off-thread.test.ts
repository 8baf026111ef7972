import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPool } from '../../server/derived/worker-pool.js';
import { bodySummary } from '../../server/imap/search-criteria.js';
import { SERVED_TREE_LIMITS } from '../../server/mime/mime-tree.js';
import type { StoredMessage } from '../../server/store/types.js';
import { hostileCorpus, type CorpusMessage } from '../helpers/hostile-corpus.js';
import { ImapBytesClient } from '../helpers/imap-bytes.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';

/**
 * The MIME bombs of the hostile corpus read back through the API and IMAP while another
 * IMAP session keeps sending NOOP: every read answers correctly, the other session is
 * answered meanwhile, and the heavy parses are seen done by the worker pools (their
 * counters), not on the event loop. How fast is the bench's business (bench/bombs.ts).
 */
const BOMBS = ['deep-nesting', 'ten-thousand-parts', 'base64-20mb-line', 'header-flood'];
/** A word each bomb's text holds, for SEARCH TEXT. */
const WORD: Record<string, string> = {
  'deep-nesting': 'the bottom',
  'ten-thousand-parts': 'part 9999',
  'base64-20mb-line': 'base64-20mb-line',
  'header-flood': 'body after the flood',
};

interface Delivered extends CorpusMessage {
  id: string;
  seq: number;
}

describe('MIME bombs are parsed off the event loop', () => {
  let box: TestSandbox;
  let http = '';
  const delivered: Delivered[] = [];

  beforeAll(async () => {
    box = await startTestSandbox();
    http = `http://127.0.0.1:${box.port('http')}`;
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    for (const message of hostileCorpus().filter((m) => BOMBS.includes(m.name))) {
      const reply = await smtp.send(Buffer.concat([stuffAfterCrlf(message.raw), Buffer.from('.\r\n')]));
      if (reply.code !== 250) throw new Error(`${message.name}: ${reply.lines.join(' ')}`);
      delivered.push({ ...message, id: queuedId(reply), seq: delivered.length + 1 });
    }
    smtp.close();
  }, 120_000);
  afterAll(async () => {
    await box?.stop(0);
  });

  /** Resolves once the message has its body summary. */
  function indexed(id: string): Promise<void> {
    return new Promise((resolve) => {
      if (box.store.get(id)?.body) return resolve();
      const off = box.store.on('indexed', ({ message }) => {
        if (message.id !== id) return;
        off();
        resolve();
      });
    });
  }

  /** Runs `reads` while another session sends NOOP back to back; how many NOOPs were answered meanwhile. */
  async function whileProbing<T>(reads: () => Promise<T>): Promise<{ result: T; noops: number }> {
    const probe = await ImapBytesClient.open(box.port('imap'), 'probe');
    let done = false;
    let noops = 0;
    const probing = (async () => {
      while (!done) {
        await probe.expectOk('NOOP');
        if (!done) noops++;
      }
    })();
    try {
      return { result: await reads(), noops };
    } finally {
      done = true;
      await probing;
      probe.close();
    }
  }

  it('API: the message JSON and /view answer, parsed on the read pool, while IMAP answers', async () => {
    const before = sharedPool().answered.view ?? 0;
    for (const d of delivered) {
      const { result, noops } = await whileProbing(async () => {
        const json = await fetch(`${http}/api/v1/message/${d.id}`);
        const view = await fetch(`${http}/view/${d.id}.html`);
        return { status: json.status, body: (await json.json()) as { ID?: string; Size?: number }, view: view.status, viewBody: await view.text() };
      });
      expect(result.status, d.name).toBe(200);
      expect(result.body, d.name).toMatchObject({ ID: d.id, Size: d.raw.length });
      expect([200, 404], d.name).toContain(result.view);
      expect(noops, `${d.name}: NOOPs answered during the reads`).toBeGreaterThan(0);
    }
    expect((sharedPool().answered.view ?? 0) - before).toBe(delivered.length);
  }, 120_000);

  it('IMAP: BODYSTRUCTURE and ENVELOPE made by the FETCH worker, within the served caps; BODY[] byte-identical', async () => {
    const before = sharedPool().answered.fetch ?? 0;
    const imap = await ImapBytesClient.open(box.port('imap'));
    for (const d of delivered) {
      const { result, noops } = await whileProbing(async () => ({
        structure: (await imap.expectOk(`FETCH ${d.seq} (BODYSTRUCTURE ENVELOPE)`)).toString('latin1'),
        body: ImapBytesClient.literalAfter(await imap.expectOk(`FETCH ${d.seq} (BODY.PEEK[])`), 'BODY[]'),
      }));
      expect(result.body.equals(d.raw), d.name).toBe(true);
      expect(result.structure, d.name).toMatch(/BODYSTRUCTURE \(/);
      expect(result.structure.split('(').length, `${d.name}: balanced`).toBe(result.structure.split(')').length);
      expect(noops, `${d.name}: NOOPs answered during the reads`).toBeGreaterThan(0);
      if (d.name === 'ten-thousand-parts') expect(result.structure.match(/\("text" "plain"/g)).toHaveLength(SERVED_TREE_LIMITS.maxParts - 1);
    }
    imap.close();
    expect((sharedPool().answered.fetch ?? 0) - before).toBe(delivered.length);
  }, 120_000);

  it('IMAP: SEARCH TEXT finds each bomb by its own words', async () => {
    const imap = await ImapBytesClient.open(box.port('imap'));
    for (const d of delivered) {
      const { result } = await whileProbing(async () => (await imap.expectOk(`SEARCH TEXT "${WORD[d.name]}"`)).toString('latin1'));
      expect(result, d.name).toMatch(new RegExp(`\\* SEARCH( \\d+)* ${d.seq}( |\\r)`));
    }
    imap.close();
  }, 120_000);

  it('IMAP SEARCH reads the text of a bomb not indexed yet on the read pool', async () => {
    // The body indexer shares the pool: once it is done, what the pool summarises is these reads'.
    await Promise.all(delivered.map((d) => indexed(d.id)));
    const before = sharedPool().answered.summary ?? 0;
    for (const d of delivered) {
      const unindexed = { body: undefined } as unknown as StoredMessage;
      const text = (await bodySummary(unindexed, d.raw)).searchText;
      // The 20 MB line is an attachment: that message has no body text at all.
      if (d.name === 'base64-20mb-line') expect(text).toBe('');
      else expect(text, d.name).toContain(WORD[d.name]);
    }
    expect((sharedPool().answered.summary ?? 0) - before).toBe(delivered.length);
  });
});
