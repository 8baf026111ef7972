import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

let users = 0;
async function pair(count: number) {
  const user = `pair${++users}@blue.com`;
  for (let i = 1; i <= count; i++) deliver(box.store, `m${i}`, { to: user });
  const a = await loggedIn(box.port('imap'), user);
  const b = await loggedIn(box.port('imap'), user);
  await a.command('A0', 'SELECT INBOX');
  await b.command('B0', 'SELECT INBOX');
  return { a, b, user };
}

describe('two sessions on one mailbox', () => {
  it('a STORE in one shows up in the other at its next command', async () => {
    const { a, b } = await pair(2);
    await a.command('A1', 'STORE 2 +FLAGS (\\Flagged)');
    expect(await b.command('B1', 'NOOP')).toEqual(['* 2 FETCH (UID 2 FLAGS (\\Flagged))', 'B1 OK NOOP completed']);
    // Told once only.
    expect(await b.command('B2', 'NOOP')).toEqual(['B2 OK NOOP completed']);
    a.close();
    b.close();
  });

  it('an EXPUNGE in one renumbers the other, never during its FETCH, STORE or SEARCH (RFC 3501 §7.4.1)', async () => {
    const { a, b } = await pair(5);
    await a.command('A1', 'STORE 2,4 +FLAGS.SILENT (\\Deleted)');
    expect(await a.command('A2', 'EXPUNGE')).toEqual(['* 2 EXPUNGE', '* 3 EXPUNGE', 'A2 OK EXPUNGE completed']);
    // b still numbers five messages until told; FETCH, STORE and SEARCH hold the EXPUNGEs back.
    const fetched = await b.command('B1', 'FETCH 5 UID');
    expect(fetched.filter((l) => l.includes('EXPUNGE'))).toEqual([]);
    expect(fetched[0]).toMatch(/^\* 5 FETCH \(UID 5\)/);
    expect((await b.command('B2', 'SEARCH ALL'))[0]).toBe('* SEARCH 1 2 3 4 5');
    expect((await b.command('B3', 'STORE 1 +FLAGS.SILENT (\\Seen)')).some((l) => l.includes('EXPUNGE'))).toBe(false);
    // UID FETCH may carry them (§7.4.1), as may NOOP.
    // b's own silent STORE is not echoed back to it.
    expect(await b.command('B4', 'NOOP')).toEqual(['* 2 EXPUNGE', '* 3 EXPUNGE', 'B4 OK NOOP completed']);
    expect(await b.command('B5', 'FETCH 1:* UID')).toEqual(['* 1 FETCH (UID 1)', '* 2 FETCH (UID 3)', '* 3 FETCH (UID 5)', 'B5 OK FETCH completed']);
    a.close();
    b.close();
  });

  it('new mail, and flag changes from the web inbox and other sessions, reach an IDLE session at once (RFC 2177)', async () => {
    const { a, b, user } = await pair(1);
    b.write('I1 IDLE\r\n');
    expect(await b.line()).toBe('+ idling');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), ignoreTLS: true });
    await transport.sendMail({ from: 'x@red.com', to: user, subject: 'during idle', text: 'hi' });
    transport.close();
    expect(await b.line()).toBe('* 2 EXISTS');
    expect(await b.line()).toBe('* 1 RECENT');
    // The web inbox marks the message read through the API it uses (Mailpit's PUT /api/v1/messages).
    const first = box.store.folder(user, 'INBOX')?.entries[0]?.message;
    const marked = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/messages`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ IDs: [first?.id], Read: true }),
    });
    expect(marked.status).toBe(200);
    expect(await b.line()).toBe('* 1 FETCH (UID 1 FLAGS (\\Seen))');
    // Opening a message in the web inbox reads it too.
    const second = box.store.folder(user, 'INBOX')?.entries[1]?.message;
    expect((await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/message/${second?.id}`)).status).toBe(200);
    expect(await b.line()).toBe('* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))');
    await a.command('A1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await b.line()).toBe('* 1 FETCH (UID 1 FLAGS (\\Seen \\Deleted))');
    await a.command('A2', 'EXPUNGE');
    expect(await b.line()).toBe('* 1 EXPUNGE');
    b.write('DONE\r\n');
    expect(await b.line()).toBe('I1 OK IDLE terminated');
    expect(await b.command('B1', 'FETCH 1:* (UID FLAGS)')).toEqual(['* 1 FETCH (UID 2 FLAGS (\\Seen \\Recent))', 'B1 OK FETCH completed']);
    a.close();
    b.close();
  });

  it('deleting in the web inbox (store.remove) expunges from every session', async () => {
    const { a, user } = await pair(2);
    const first = box.store.folder(user, 'INBOX')?.entries[0]?.message;
    await box.store.remove([first?.id ?? '']);
    expect(await a.command('A1', 'NOOP')).toEqual(['* 1 EXPUNGE', 'A1 OK NOOP completed']);
    a.close();
  });

  it('an APPEND by one session is EXISTS for the other', async () => {
    const { a, b } = await pair(0);
    await a.command('A1', 'APPEND INBOX {7+}\r\nhi: x\r\n');
    // \Recent went to the session that saw the message first (RFC 3501 §2.3.2).
    expect(await b.command('B1', 'NOOP')).toEqual(['* 1 EXISTS', '* 0 RECENT', 'B1 OK NOOP completed']);
    a.close();
    b.close();
  });
});
