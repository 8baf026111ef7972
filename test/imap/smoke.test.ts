import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

async function send(to: string, subject: string, text = 'hello') {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
  await transport.sendMail({ from: 'alice@red.com', to, subject, text });
  transport.close();
}

describe('imap smoke', () => {
  it('logs in, selects, fetches over a raw socket', async () => {
    await send('bob@blue.com', 'First');
    const c = await loggedIn(box.port('imap'));
    const select = await c.command('A1', 'SELECT INBOX');
    expect(select).toContain('* 1 EXISTS');
    expect(select.at(-1)).toBe('A1 OK [READ-WRITE] SELECT completed');
    const fetch = await c.command('A2', 'FETCH 1 (FLAGS RFC822.SIZE)');
    expect(fetch[0]).toMatch(/^\* 1 FETCH \(FLAGS \(\\Recent\) RFC822.SIZE \d+\)$/);
    await c.command('A3', 'LOGOUT');
    c.close();
  });

  it('works with imapflow', async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user: 'carol@blue.com', pass: 'x' }, logger: false });
    await client.connect();
    await send('carol@blue.com', 'Hi Carol');
    const lock = await client.getMailboxLock('INBOX');
    try {
      const list = await client.list();
      expect(list.map((m) => m.path)).toContain('Sent');
      const messages = [];
      for await (const m of client.fetch('1:*', { uid: true, flags: true, source: true })) messages.push(m);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.source?.toString()).toContain('Subject: Hi Carol');
    } finally {
      lock.release();
    }
    await client.logout();
  });
});
