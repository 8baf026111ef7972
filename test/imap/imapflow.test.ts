import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { storedBytes } from '../helpers/stored-bytes.js';

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
      const stored = await storedBytes(box.store, box.store.folder(user, 'INBOX')?.entries.map((e) => e.message) ?? []);
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

  it('list() asks for STATUS, SUBSCRIBED and SPECIAL-USE in one LIST-EXTENDED command (RFC 5258, 5819, 6154)', async () => {
    const user = 'flow-list@blue.com';
    await send(user, 'Counted', 'one unseen message');
    const sent: string[] = [];
    // imapflow logs each command it sends at debug level, marked `src: 'c'`.
    const log = (entry: { msg?: string; src?: string }) => {
      if (entry.src === 'c' && typeof entry.msg === 'string') sent.push(entry.msg);
    };
    const flow = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user, pass: 'x' }, logger: { debug: log, info: log, warn: log, error: log } });
    await flow.connect();
    try {
      // Made by another client: CREATE does not subscribe (RFC 3501 §6.3.3).
      await box.store.createFolder(user, 'Projects/Alpha');
      let list = await flow.list({ statusQuery: { messages: true, unseen: true } });
      const byPath = new Map(list.map((m) => [m.path, m]));
      expect(byPath.get('INBOX')).toMatchObject({ subscribed: true, status: { messages: 1, unseen: 1 } });
      expect(byPath.get('Junk')).toMatchObject({ specialUse: '\\Junk', subscribed: true, status: { messages: 0 } });
      expect(byPath.get('Projects/Alpha')).toMatchObject({ status: { messages: 0 } });
      // imapflow leaves `subscribed` unset for a mailbox without \Subscribed.
      expect(byPath.get('Projects/Alpha')?.subscribed ?? false).toBe(false);
      expect(sent.filter((line) => / LIST /.test(line))).toEqual([expect.stringMatching(/ LIST "" "\*" RETURN \(.*STATUS \(MESSAGES UNSEEN\).*\)/)]);
      expect(sent.some((line) => / (STATUS|LSUB) /.test(line))).toBe(false);
      await flow.mailboxSubscribe('Projects/Alpha');
      list = await flow.list();
      expect(list.find((m) => m.path === 'Projects/Alpha')?.subscribed).toBe(true);
      await flow.mailboxUnsubscribe('Projects/Alpha');
      list = await flow.list();
      expect(list.find((m) => m.path === 'Projects/Alpha')?.subscribed ?? false).toBe(false);
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
      await box.store.setFlags([message?.id ?? ''], 'add', ['\\Seen']);
      const change = await flagged;
      expect([...change.flags]).toContain('\\Seen');
      await flow.noop();
      await idling;
    } finally {
      await flow.logout();
    }
  });

  it('keeps an idling login through a delete-all in the web inbox: same UIDVALIDITY, UIDs go on; an address no client opened is forgotten', async () => {
    const user = 'gwen@blue.com';
    const flow = client(user);
    await flow.connect();
    try {
      const opened = await flow.mailboxOpen('INBOX');
      const counts: number[] = [];
      let heard: () => void = () => undefined;
      flow.on('exists', (event: { count: number }) => {
        counts.push(event.count);
        heard();
      });
      flow.on('expunge', () => heard());
      const next = () => new Promise<void>((resolve) => (heard = resolve));
      const idling = flow.idle();
      let arrived = next();
      await send([user, 'hugo@blue.com'].join(', '), 'First', 'one');
      await arrived;
      expect(box.store.hasFolders('hugo@blue.com')).toBe(true);
      const expunged = next();
      const deleted = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/messages`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      await expunged;
      expect(box.store.hasFolders('hugo@blue.com')).toBe(false);
      expect(box.store.hasFolders(user)).toBe(true);
      arrived = next();
      await send(user, 'Second', 'two');
      await arrived;
      await flow.noop();
      await idling;
      const uids = [];
      for await (const m of flow.fetch('1:*', { uid: true })) uids.push(m.uid);
      expect(uids).toEqual([2]);
      expect(flow.mailbox && flow.mailbox.uidValidity).toBe(opened.uidValidity);
      expect(counts.at(-1)).toBe(1);
    } finally {
      await flow.logout();
    }
  });

  it('forgets an address once its last session has logged out and nothing is left in it, not while another session holds it', async () => {
    const user = 'oscar@blue.com';
    const [one, two] = [client(user), client(user)];
    await one.connect();
    await two.connect();
    const validity = (await one.mailboxOpen('INBOX')).uidValidity;
    await one.logout();
    expect((await two.mailboxOpen('INBOX')).uidValidity).toBe(validity);
    await send(user, 'Stays', 'while held');
    await two.logout();
    // Closed with mail in it: kept until the mail leaves.
    expect(box.store.hasFolders(user)).toBe(true);
    const message = box.store.folder(user, 'INBOX')?.entries[0]?.message;
    await box.store.remove([message?.id ?? '']);
    expect(box.store.hasFolders(user)).toBe(false);
    // Logged in and out with nothing there: forgotten at once.
    const three = client('peggy@blue.com');
    await three.connect();
    await three.logout();
    expect(box.store.hasFolders('peggy@blue.com')).toBe(false);
  });

  it('with qresync: true, reconnects and resyncs: deletions arrive as VANISHED (EARLIER), changed flags as FETCH', async () => {
    const user = 'resync@blue.com';
    for (const n of [1, 2, 3, 4]) await send(user, `Note ${n}`, `note ${n}`);
    const first = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user, pass: 'x' }, logger: false, qresync: true });
    await first.connect();
    const opened = await first.mailboxOpen('INBOX');
    const { uidValidity, highestModseq } = opened;
    expect(first.enabled.has('QRESYNC')).toBe(true);
    await first.logout();

    // While the client is away, another one deletes two messages and flags one.
    const other = client(user);
    await other.connect();
    await other.mailboxOpen('INBOX');
    await other.messageFlagsAdd({ uid: '3' }, ['\\Answered'], { uid: true });
    await other.messageDelete({ uid: '1,4' }, { uid: true });
    await other.logout();

    const again = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user, pass: 'x' }, logger: false, qresync: true });
    const vanished: Array<{ uid?: number; earlier?: boolean }> = [];
    const flagged: Array<{ uid?: number; flags: Set<string> }> = [];
    again.on('expunge', (event: { uid?: number; earlier?: boolean }) => vanished.push(event));
    again.on('flags', (event: { uid?: number; flags: Set<string> }) => flagged.push(event));
    await again.connect();
    try {
      const resynced = await again.mailboxOpen('INBOX', { uidValidity, changedSince: highestModseq });
      expect(resynced.highestModseq).toBeGreaterThan(highestModseq ?? 0n);
      expect(vanished.map((e) => [e.uid, e.earlier])).toEqual([
        [1, true],
        [4, true],
      ]);
      expect(flagged.map((e) => [e.uid, [...e.flags]])).toEqual([[3, ['\\Answered']]]);

      // Live: an expunge by someone else reaches the open client as a plain VANISHED.
      const live = new Promise<{ uid?: number; earlier?: boolean }>((resolve) => again.on('expunge', resolve));
      await box.store.expunge(user, 'INBOX', [2]);
      await again.noop();
      expect(await live).toMatchObject({ uid: 2, earlier: false });
    } finally {
      await again.logout();
    }
  });
});
