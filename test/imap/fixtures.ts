import type { MailStore } from '../../server/store/mail-store.js';
import type { StoredMessage } from '../../server/store/types.js';
import type { TestSandbox } from '../helpers/sandbox.js';
import { loggedIn, type ImapLineClient } from './imap-client.js';

/** A small RFC 5322 message with CRLF line ends. */
export function rawMessage(options: { subject: string; from?: string; to?: string; body?: string; date?: string; extra?: string }): Buffer {
  const lines = [
    `From: ${options.from ?? 'Alice <alice@red.com>'}`,
    `To: ${options.to ?? 'bob@blue.com'}`,
    `Subject: ${options.subject}`,
    `Date: ${options.date ?? 'Wed, 17 Jul 1996 02:23:25 -0700'}`,
    `Message-ID: <${options.subject.replace(/\W/g, '')}@red.com>`,
    ...(options.extra ? [options.extra] : []),
    '',
    options.body ?? `Body of ${options.subject}`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

/** Stores a message as SMTP would: filed in each recipient's INBOX (at once; resolves once committed). */
export function deliver(store: MailStore, subject: string, options: { to?: string; from?: string; body?: string; receivedAt?: Date; extra?: string } = {}): Promise<StoredMessage> {
  const to = options.to ?? 'bob@blue.com';
  return store.deliver({
    raw: rawMessage({ subject, to, ...(options.from ? { from: options.from } : {}), ...(options.body ? { body: options.body } : {}), ...(options.extra ? { extra: options.extra } : {}) }),
    envelope: { mailFrom: options.from ?? 'alice@red.com', rcptTo: [to] },
    ...(options.receivedAt ? { receivedAt: options.receivedAt } : {}),
  });
}

/** Logs `user` in with `count` messages in INBOX (message i says `text number i`, arrived on i January 2004), selected. */
export async function selectedInbox(box: TestSandbox, user: string, count: number): Promise<ImapLineClient> {
  for (let i = 1; i <= count; i++) await deliver(box.store, `message ${i}`, { to: user, body: `text number ${i}`, receivedAt: new Date(Date.UTC(2004, 0, i)) });
  const c = await loggedIn(box.port('imap'), user);
  await c.command('S0', 'SELECT INBOX');
  return c;
}

/**
 * Fresh logins `${prefix}N@blue.com` in `box()`, N counting up, each with `count` messages
 * in its INBOX, selected (see selectedInbox): one mailbox per test, never shared.
 */
export function freshInboxes(box: () => TestSandbox, prefix: string): (count: number) => Promise<{ c: ImapLineClient; user: string }> {
  let users = 0;
  return async (count) => {
    const user = `${prefix}${++users}@blue.com`;
    return { c: await selectedInbox(box(), user, count), user };
  };
}
