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
const fresh = () => `notify${++users}@blue.com`;
const folder = (user: string, name: string) => box.store.folder(user, name);
const BADEVENT = '[BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)]';

describe('IMAP NOTIFY (RFC 5465)', () => {
  it('NOTIFY SET STATUS sends each watched mailbox what its events need (§3.1)', async () => {
    const user = fresh();
    await deliver(box.store, 'one', { to: user });
    const c = await loggedIn(box.port('imap'), user);
    await c.command('A0', 'APPEND Archive {4+}\r\nhi\r\n');
    const archive = folder(user, 'Archive');
    const inbox = folder(user, 'INBOX');
    expect(await c.command('A2', 'NOTIFY SET STATUS (mailboxes (Archive INBOX) (MessageNew MessageExpunge))')).toEqual([
      `* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ${inbox?.uidValidity})`,
      `* STATUS Archive (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ${archive?.uidValidity})`,
      'A2 OK NOTIFY completed',
    ]);
    expect(await c.command('A4', 'NOTIFY SET STATUS (subtree Archive (FlagChange MessageNew MessageExpunge))')).toEqual([
      `* STATUS Archive (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ${archive?.uidValidity} HIGHESTMODSEQ ${box.store.folder(user, 'Archive')?.entries[0]?.message.modseq})`,
      'A4 OK NOTIFY completed',
    ]);
    // INBOXES is where mail is delivered: INBOX; SUBSCRIBED follows the subscriptions.
    expect(await c.command('A7', 'NOTIFY SET STATUS (inboxes (MessageNew MessageExpunge))')).toEqual([
      `* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ${inbox?.uidValidity})`,
      'A7 OK NOTIFY completed',
    ]);
    await c.command('A8', 'UNSUBSCRIBE Archive');
    const subscribed = box.store.listFolders(user).filter((f) => f.subscribed);
    expect(await c.command('A9', 'NOTIFY SET STATUS (subscribed (MessageNew MessageExpunge))')).toEqual([
      ...subscribed.map((f) => `* STATUS ${f.name} (MESSAGES ${f.entries.length} UIDNEXT ${f.uidNext} UIDVALIDITY ${f.uidValidity})`),
      'A9 OK NOTIFY completed',
    ]);
    expect(subscribed.map((f) => f.name)).not.toContain('Archive');
    // Not for the selected mailbox (§3.1: "other than the currently selected mailbox").
    await c.command('S1', 'SELECT INBOX');
    expect(await c.command('A10', 'NOTIFY SET STATUS (mailboxes (Archive INBOX) (MessageNew MessageExpunge))')).toEqual([
      `* STATUS Archive (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ${archive?.uidValidity})`,
      'A10 OK NOTIFY completed',
    ]);
    await c.command('U1', 'UNSELECT');
    // Without STATUS nothing is sent now; SELECTED names no mailbox until one is selected.
    expect(await c.command('A5', 'NOTIFY SET (selected (MessageNew MessageExpunge)) (personal (MessageNew MessageExpunge))')).toEqual(['A5 OK NOTIFY completed']);
    expect(await c.command('A6', 'NOTIFY NONE')).toEqual(['A6 OK NOTIFY completed']);
    c.close();
  });

  it('refuses bad NOTIFY commands: unknown events NO [BADEVENT], bad syntax BAD; the connection goes on', async () => {
    const c = await loggedIn(box.port('imap'), fresh());
    expect(await c.command('B1', 'NOTIFY SET (personal (MessageNew MessageExpunge Teleport))')).toEqual([`B1 NO ${BADEVENT} Cannot notify of Teleport`]);
    expect(await c.command('B2', 'NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))')).toEqual([`B2 NO ${BADEVENT} Cannot notify of AnnotationChange`]);
    for (const [tag, line] of [
      ['B3', 'NOTIFY SET (selected (MailboxName))'],
      ['B4', 'NOTIFY SET (personal (MessageNew (UID) MessageExpunge))'],
      ['B5', 'NOTIFY SET (selected (MessageNew)) (selected-delayed (MessageNew))'],
      ['B6', 'NOTIFY SET (everywhere (MessageNew))'],
      ['B7', 'NOTIFY MAYBE'],
      ['B8', 'NOTIFY SET (personal MessageNew)'],
      ['B9', 'NOTIFY SET (selected (MessageNew (NOSUCHITEM) MessageExpunge))'],
      // §5: MessageNew and MessageExpunge only together; FlagChange and AnnotationChange only with both.
      ['B11', 'NOTIFY SET (personal (MessageNew))'],
      ['B12', 'NOTIFY SET (selected (MessageExpunge))'],
      ['B13', 'NOTIFY SET STATUS (subtree Arch (FlagChange))'],
      ['B14', 'NOTIFY SET (personal (AnnotationChange))'],
      ['B15', 'NOTIFY SET (inboxes (MessageNew FlagChange))'],
    ] as const) {
      const reply = await c.command(tag, line);
      expect(reply, line).toHaveLength(1);
      expect(reply[0], line).toMatch(new RegExp(`^${tag} BAD NOTIFY: `));
    }
    expect(await c.command('B10', 'NOOP')).toEqual(['B10 OK NOOP completed']);
    c.close();
  });

  it('an idling client hears of new mail in the selected mailbox with its fetch-att, and of changes elsewhere as STATUS', async () => {
    const user = fresh();
    await deliver(box.store, 'first', { to: user });
    const a = await loggedIn(box.port('imap'), user);
    const b = await loggedIn(box.port('imap'), user);
    await a.command('A1', 'SELECT INBOX');
    expect(await a.command('A2', 'NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge)) (personal (MessageNew MessageExpunge FlagChange))')).toEqual(['A2 OK NOTIFY completed']);
    a.write('A3 IDLE\r\n');
    expect(await a.line()).toBe('+ idling');

    await deliver(box.store, 'second', { to: user });
    expect(await a.line()).toBe('* 2 EXISTS');
    expect(await a.line()).toBe('* 2 RECENT');
    expect(await a.line()).toBe('* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: second\r\n\r\n)');

    await b.command('B1', 'APPEND Archive (\\Seen) {4+}\r\nhi\r\n');
    expect(await a.line()).toBe('* STATUS Archive (MESSAGES 1 UIDNEXT 2)');
    await b.command('B2', 'SELECT Archive');
    await b.command('B3', 'STORE 1 -FLAGS.SILENT (\\Seen)');
    expect(await a.line()).toBe(`* STATUS Archive (UIDVALIDITY ${folder(user, 'Archive')?.uidValidity} UNSEEN 1)`);
    await b.command('B4', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await a.line()).toBe(`* STATUS Archive (UIDVALIDITY ${folder(user, 'Archive')?.uidValidity} UNSEEN 1)`);
    await b.command('B5', 'EXPUNGE');
    expect(await a.line()).toBe('* STATUS Archive (MESSAGES 0 UIDNEXT 2)');

    // The web inbox deletes a message in the selected mailbox: EXPUNGE at once.
    const first = folder(user, 'INBOX')?.entries[0]?.message;
    await box.store.remove([first?.id ?? '']);
    expect(await a.line()).toBe('* 1 EXPUNGE');
    a.write('DONE\r\n');
    expect(await a.line()).toBe('A3 OK IDLE terminated');
    a.close();
    b.close();
  });

  it('with QRESYNC and CONDSTORE on, another session sees VANISHED and HIGHESTMODSEQ in STATUS', async () => {
    const user = fresh();
    for (const n of [1, 2, 3]) await deliver(box.store, `m${n}`, { to: user });
    const a = await loggedIn(box.port('imap'), user);
    const b = await loggedIn(box.port('imap'), user);
    await a.command('A1', 'ENABLE QRESYNC');
    await a.command('A2', 'SELECT INBOX');
    await a.command('A3', 'NOTIFY SET (selected (MessageNew MessageExpunge)) (mailboxes Junk (MessageNew MessageExpunge))');
    await b.command('B1', 'SELECT INBOX');
    await b.command('B2', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
    await b.command('B3', 'EXPUNGE');
    // Between commands, unasked: NOTIFY SELECTED sends the change when it happens.
    expect(await a.line()).toBe('* VANISHED 2');
    await b.command('B4', 'MOVE 1 Junk');
    expect(await a.line()).toBe('* VANISHED 1');
    const junk = folder(user, 'Junk');
    expect(await a.line()).toBe(`* STATUS Junk (MESSAGES 1 UIDNEXT 2 HIGHESTMODSEQ ${box.store.folder(user, 'Junk')?.entries[0]?.message.modseq})`);
    expect(junk?.entries).toHaveLength(1);
    a.close();
    b.close();
  });

  it('SELECTED-DELAYED keeps expunges for a command that may renumber (§6.1.2)', async () => {
    const user = fresh();
    for (const n of [1, 2]) await deliver(box.store, `m${n}`, { to: user });
    const a = await loggedIn(box.port('imap'), user);
    await a.command('A1', 'EXAMINE INBOX');
    await a.command('A2', 'NOTIFY SET (selected-delayed (MessageNew MessageExpunge))');
    await box.store.expunge(user, 'INBOX', [1]);
    await deliver(box.store, 'm3', { to: user });
    // The new message is told at once; the expunged one keeps its number until NOOP.
    expect(await a.line()).toBe('* 3 EXISTS');
    // EXAMINE claims no \Recent, so all three (the expunged one still counts until NOOP) are recent.
    expect(await a.line()).toBe('* 3 RECENT');
    expect(await a.command('A3', 'NOOP')).toEqual(['* 1 EXPUNGE', 'A3 OK NOOP completed']);
    a.close();
  });

  it('MailboxName and SubscriptionChange arrive as LIST responses, not for the client’s own changes', async () => {
    const user = fresh();
    const a = await loggedIn(box.port('imap'), user);
    const b = await loggedIn(box.port('imap'), user);
    await a.command('A1', 'NOTIFY SET (personal (MailboxName SubscriptionChange))');
    await b.command('B1', 'CREATE Projects');
    const sub = folder(user, 'Projects')?.subscribed ? '\\Subscribed' : '';
    expect(await a.line()).toBe(`* LIST (${sub}) "/" Projects`);
    await b.command('B2', 'RENAME Projects Done');
    expect(await a.line()).toBe(`* LIST (${sub}) "/" Done ("OLDNAME" (Projects))`);
    await b.command('B3', 'SUBSCRIBE Done');
    await b.command('B4', 'UNSUBSCRIBE Done');
    if (sub === '') expect(await a.line()).toBe('* LIST (\\Subscribed) "/" Done');
    expect(await a.line()).toBe('* LIST () "/" Done');
    await b.command('B5', 'DELETE Done');
    expect(await a.line()).toBe('* LIST (\\NonExistent) "/" Done');
    // Its own CREATE is not echoed back.
    expect(await a.command('A2', 'CREATE Mine')).toEqual(['A2 OK CREATE completed']);
    expect(await a.command('A3', 'NOOP')).toEqual(['A3 OK NOOP completed']);
    a.close();
    b.close();
  });

  it('a client that stops reading is told NOTIFICATIONOVERFLOW and NOTIFY stops, instead of the server holding its backlog (§5.8, §9)', async () => {
    const user = fresh();
    const a = await loggedIn(box.port('imap'), user);
    await a.command('A1', 'SELECT INBOX');
    await a.command('A2', 'NOTIFY SET (selected (MessageNew (UID BODY.PEEK[]) MessageExpunge))');
    a.socket.pause();
    const big = 'x'.repeat(76) + '\r\n';
    const sent = 60;
    for (let i = 0; i < sent; i++) {
      await deliver(box.store, `big ${i}`, { to: user, body: big.repeat(4000) });
      // Let the server push what it owes before the next message arrives.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    a.socket.resume();
    const seen: string[] = [];
    for (;;) {
      const line = await a.line();
      if (line.includes('FETCH')) seen.push('FETCH');
      if (line.startsWith('* OK [NOTIFICATIONOVERFLOW]')) break;
    }
    expect(seen.length).toBeLessThan(sent);
    // NOTIFY is off; the session goes on, and the rest is told at the next command.
    const noop = await a.command('A3', 'NOOP');
    expect(noop.at(-1)).toBe('A3 OK NOOP completed');
    expect(noop.some((l) => / FETCH /.test(l))).toBe(false);
    expect(noop).toContain(`* ${sent} EXISTS`);
    a.close();
  });
});
