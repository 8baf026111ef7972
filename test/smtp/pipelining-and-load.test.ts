import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf } from '../helpers/stored-bytes.js';
import { numbered, queuedId } from './fixtures.js';
import { dotStuff, ehlo } from './smtp-dialogue.js';

describe('SMTP pipelining and concurrency', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ maxMessages: 0 });
  });
  afterAll(() => box.stop(0));

  it('answers a whole pipelined session sent in one write, in order (RFC 2920)', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const transactions = [1, 2, 3].map((n) =>
      Buffer.concat([
        Buffer.from(`MAIL FROM:<a${n}@red.example>\r\nRCPT TO:<b@blue.example>\r\nRCPT TO:<c@blue.example>\r\nDATA\r\n`),
        dotStuff(numbered(n)),
        Buffer.from('.\r\n'),
      ]),
    );
    smtp.write(Buffer.concat([...transactions, Buffer.from('RSET\r\nNOOP\r\nQUIT\r\n')]));
    const replies = await smtp.replies(3 * 5 + 3);
    expect(replies.map((r) => r.code)).toEqual([...[250, 250, 250, 354, 250], ...[250, 250, 250, 354, 250], ...[250, 250, 250, 354, 250], 250, 250, 221]);
    for (const [i, n] of [1, 2, 3].entries()) {
      const stored = box.store.get(queuedId(replies[i * 5 + 4]?.text ?? ''));
      expect((await bytesOf(box.store, stored))?.equals(numbered(n))).toBe(true);
      expect(stored?.envelope).toEqual({ mailFrom: `a${n}@red.example`, rcptTo: ['b@blue.example', 'c@blue.example'] });
    }
    await smtp.closed;
  });

  it('stores exactly 1,000 messages from 20 concurrent sessions of 50 each, none lost or doubled', async () => {
    await box.store.clear();
    const sessions = 20;
    const perSession = 50;
    const ids = await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), pool: true, maxConnections: 1, maxMessages: Infinity });
        const got: string[] = [];
        try {
          for (let m = 0; m < perSession; m++) {
            const info = await transport.sendMail({ envelope: { from: `s${s}@red.example`, to: ['sink@blue.example'] }, raw: numbered(s * 1000 + m) });
            got.push(queuedId(info.response));
          }
        } finally {
          transport.close();
        }
        return got;
      }),
    );
    const all = ids.flat();
    expect(all).toHaveLength(sessions * perSession);
    expect(new Set(all).size).toBe(sessions * perSession);
    expect(box.store.stats().messages).toBe(sessions * perSession);
    const subjects = new Set(box.store.messages().map((m) => m.summary.subject));
    expect(subjects.size).toBe(sessions * perSession);
    for (let s = 0; s < sessions; s++) for (let m = 0; m < perSession; m++) expect(subjects.has(`message ${s * 1000 + m}`)).toBe(true);
    const seqs = box.store.messages().map((m) => m.seq);
    expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0))).toBe(true);
  });
});
