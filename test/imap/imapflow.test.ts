import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

async function send(to: string, subject: string, text: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), ignoreTLS: true });
  await transport.sendMail({ from: 'alice@red.com', to, subject, text });
  transport.close();
}

function client(user: string) {
  return new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user, pass: 'x' }, logger: false });
}

describe('imapflow against the IMAP front', () => {
  it('lists, fetches, searches, flags, appends and moves', async () => {
    const user = 'flow@blue.com';
    await send(user, 'Invoice 1', 'Please pay invoice one');
    await send(user, 'Ticket ✓', 'Reply above this line');
    const flow = client(user);
    await flow.connect();
    try {
      const list = await flow.list();
      const byUse = Object.fromEntries(list.filter((m) => m.specialUse).map((m) => [m.specialUse, m.path]));
      expect(byUse).toMatchObject({ '\\Inbox': 'INBOX', '\\Sent': 'Sent', '\\Drafts': 'Drafts', '\\Trash': 'Trash', '\\Archive': 'Archive', '\\Junk': 'Junk' });

      const mailbox = await flow.mailboxOpen('INBOX');
      expect(mailbox.exists).toBe(2);
      const fetched = [];
      for await (const m of flow.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, source: true })) fetched.push(m);
      expect(fetched.map((m) => m.envelope?.subject)).toEqual(['Invoice 1', 'Ticket ✓']);
      expect(fetched[1]?.envelope?.from?.[0]?.address).toBe('alice@red.com');
      const stored = box.store.folder(user, 'INBOX')?.entries.map((e) => e.message.raw);
      expect(fetched.map((m) => m.source)).toEqual(stored);

      expect(await flow.search({ subject: 'ticket' }, { uid: true })).toEqual([2]);
      expect(await flow.search({ body: 'pay invoice' }, { uid: true })).toEqual([1]);
      expect(await flow.search({ seen: false })).toEqual([1, 2]);

      await flow.messageFlagsAdd({ uid: '1' }, ['\\Seen', '$Processed'], { uid: true });
      const flags = [...(box.store.folder(user, 'INBOX')?.entries[0]?.message.flags ?? [])];
      expect(flags.sort()).toEqual(['$Processed', '\\Seen']);
      await flow.messageFlagsRemove({ uid: '1' }, ['$Processed'], { uid: true });
      expect(await flow.search({ seen: true }, { uid: true })).toEqual([1]);

      const appended = await flow.append('Drafts', 'From: me@blue.com\r\nSubject: draft\r\n\r\nbody\r\n', ['\\Draft']);
      expect(appended).toMatchObject({ destination: 'Drafts', uid: 1 });

      const moved = await flow.messageMove({ uid: '1' }, 'Archive', { uid: true });
      expect(moved && moved.uidMap?.get(1)).toBe(1);
      expect(box.store.folder(user, 'Archive')?.entries[0]?.message.summary.subject).toBe('Invoice 1');
      const status = await flow.status('INBOX', { messages: true, uidNext: true, unseen: true });
      expect(status).toMatchObject({ messages: 1, uidNext: 3, unseen: 1 });
    } finally {
      await flow.logout();
    }
  });

  it('hears of a message arriving by SMTP while idling', async () => {
    const user = 'idler@blue.com';
    const flow = client(user);
    await flow.connect();
    try {
      await flow.mailboxOpen('INBOX');
      const exists = new Promise<number>((resolve) => flow.on('exists', (event: { count: number }) => resolve(event.count)));
      const idling = flow.idle();
      await send(user, 'Wake up', 'new mail');
      expect(await exists).toBe(1);
      const flagged = new Promise<{ uid?: number; flags: Set<string> }>((resolve) => flow.on('flags', resolve));
      // The web inbox marks it read.
      const message = box.store.folder(user, 'INBOX')?.entries[0]?.message;
      box.store.setFlags([message?.id ?? ''], 'add', ['\\Seen']);
      const change = await flagged;
      expect([...change.flags]).toContain('\\Seen');
      await flow.noop();
      await idling;
    } finally {
      await flow.logout();
    }
  });
});
