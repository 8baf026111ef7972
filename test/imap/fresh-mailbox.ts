import type { TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';
import { loggedIn, type ImapLineClient } from './imap-client.js';

let logins = 0;

/** A login no other test uses, with `count` messages in INBOX (message i is `m{i}`), INBOX selected unless told. */
export async function freshMailbox(box: TestSandbox, count: number, prefix = 'fresh', options: { select?: boolean } = {}): Promise<{ c: ImapLineClient; user: string }> {
  const user = `${prefix}${++logins}@blue.com`;
  for (let i = 1; i <= count; i++) await deliver(box.store, `m${i}`, { to: user });
  const c = await loggedIn(box.port('imap'), user);
  if (options.select !== false) await c.command('S0', 'SELECT INBOX');
  return { c, user };
}
