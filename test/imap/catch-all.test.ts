import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

describe('IMAP logins and mailboxes (DESIGN.md "Mailboxes")', () => {
  it('an address login sees its own mail; a login without @ sees every message in INBOX', async () => {
    const forBob = await deliver(box.store, 'to bob', { to: 'bob@blue.com' });
    const forCarol = await deliver(box.store, 'to carol', { to: 'carol@blue.com' });
    const bob = await loggedIn(box.port('imap'), 'Bob@Blue.com');
    expect((await bob.command('A1', 'SELECT INBOX'))[0]).toBe('* 1 EXISTS');
    expect((await bob.command('A2', 'UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))[0]).toContain('Subject: to bob');
    const admin = await loggedIn(box.port('imap'), 'admin');
    expect((await admin.command('B1', 'SELECT INBOX'))[0]).toBe('* 2 EXISTS');
    // Its UIDs are the store's arrival order.
    expect((await admin.command('B2', 'UID SEARCH ALL'))[0]).toBe(`* SEARCH ${forBob.seq} ${forCarol.seq}`);
    // Deleting as the catch-all deletes everywhere, like the web inbox; Bob's session is told.
    await admin.command('B3', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await admin.command('B4', 'EXPUNGE')).toEqual(['* 1 EXPUNGE', 'B4 OK EXPUNGE completed']);
    expect(box.store.get(forBob.id)).toBeUndefined();
    // (The flag change on a message already gone is not reported.)
    expect(await bob.command('A3', 'NOOP')).toEqual(['* 1 EXPUNGE', 'A3 OK NOOP completed']);
    // The Sent folder of the sender holds what it sent over SMTP.
    const alice = await loggedIn(box.port('imap'), 'alice@red.com');
    expect(await alice.command('C1', 'STATUS Sent (MESSAGES)')).toEqual(['* STATUS Sent (MESSAGES 1)', 'C1 OK STATUS completed']);
    for (const c of [bob, admin, alice]) c.close();
  });

  it('an address login EXPUNGE removes a single-recipient message from the store', async () => {
    const only = await deliver(box.store, 'only dave', { to: 'dave@blue.com' });
    const dave = await loggedIn(box.port('imap'), 'dave@blue.com');
    await dave.command('A1', 'SELECT INBOX');
    await dave.command('A2', 'UID STORE 1 +FLAGS.SILENT (\\Deleted)');
    await dave.command('A3', 'UID EXPUNGE 1');
    expect(box.store.get(only.id)).toBeUndefined();
    dave.close();
  });
});
