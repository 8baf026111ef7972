import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';
import { loggedIn, type ImapLineClient } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

/** The untagged lines of a reply, sorted, so a test does not depend on folder order. */
async function rows(c: ImapLineClient, tag: string, text: string): Promise<string[]> {
  const reply = await c.command(tag, text);
  expect(reply.at(-1)).toBe(`${tag} OK ${text.split(' ')[0]} completed`);
  return reply.slice(0, -1).sort();
}

describe('IMAP subscriptions (RFC 3501 §6.3.6–§6.3.9)', () => {
  it('CREATE does not subscribe; LSUB answers a parent a % hides the child of as \\Noselect; UNSUBSCRIBE updates LSUB', async () => {
    const c = await loggedIn(box.port('imap'), 'subs@blue.com');
    for (const name of ['work', 'work/a', 'play/b', 'deep/x/y']) expect(await c.command('C', `CREATE ${name}`)).toEqual(['C OK CREATE completed']);
    // A new folder is not subscribed (the standard folders are).
    expect(await rows(c, 'A1', 'LSUB "" *')).toEqual(['* LSUB () "/" Archive', '* LSUB () "/" Drafts', '* LSUB () "/" INBOX', '* LSUB () "/" Junk', '* LSUB () "/" Sent', '* LSUB () "/" Trash']);
    expect(await c.command('A2', 'SUBSCRIBE play/b')).toEqual(['A2 OK SUBSCRIBE completed']);
    expect(await c.command('A3', 'SUBSCRIBE deep/x/y')).toEqual(['A3 OK SUBSCRIBE completed']);
    expect(await c.command('A4', 'SUBSCRIBE work/a')).toEqual(['A4 OK SUBSCRIBE completed']);
    // §6.3.9: `%` stops at play; play is not subscribed, so it comes back \Noselect.
    expect(await rows(c, 'A5', 'LSUB "" %')).toEqual(expect.arrayContaining(['* LSUB (\\Noselect) "/" deep', '* LSUB (\\Noselect) "/" play', '* LSUB (\\Noselect) "/" work']));
    expect(await rows(c, 'A6', 'LSUB "" play/%')).toEqual(['* LSUB () "/" play/b']);
    expect(await rows(c, 'A7', 'LSUB "" deep/%')).toEqual(['* LSUB (\\Noselect) "/" deep/x']);
    // `*` reaches the child itself: no \Noselect parent.
    expect(await rows(c, 'A8', 'LSUB "" play*')).toEqual(['* LSUB () "/" play/b']);
    expect(await c.command('A9', 'UNSUBSCRIBE play/b')).toEqual(['A9 OK UNSUBSCRIBE completed']);
    expect(await rows(c, 'A10', 'LSUB "" play*')).toEqual([]);
    expect(await rows(c, 'A11', 'LSUB "" %')).not.toContain('* LSUB (\\Noselect) "/" play');
    expect(await c.command('A12', 'UNSUBSCRIBE play/b')).toEqual(['A12 NO [NONEXISTENT] play/b is not subscribed']);
    expect(await c.command('A13', 'SUBSCRIBE nowhere')).toEqual(['A13 NO [NONEXISTENT] No mailbox nowhere']);
    // LIST (SUBSCRIBED) agrees with LSUB.
    expect(await rows(c, 'A14', 'LIST (SUBSCRIBED) "" "work*"')).toEqual(['* LIST (\\HasNoChildren \\Subscribed) "/" work/a']);
    c.close();
  });

  it('a subscription outlives DELETE (§6.3.9) as \\NonExistent, and follows a RENAME', async () => {
    const c = await loggedIn(box.port('imap'), 'subs-delete@blue.com');
    await c.command('C1', 'CREATE gone');
    await c.command('C2', 'CREATE moving/inner');
    await c.command('C3', 'SUBSCRIBE gone');
    await c.command('C4', 'SUBSCRIBE moving/inner');
    expect(await c.command('D1', 'DELETE gone')).toEqual(['D1 OK DELETE completed']);
    expect(await rows(c, 'A1', 'LSUB "" gone')).toEqual(['* LSUB () "/" gone']);
    expect(await rows(c, 'A2', 'LIST (SUBSCRIBED) "" gone')).toEqual(['* LIST (\\NonExistent \\Subscribed) "/" gone']);
    expect(await rows(c, 'A3', 'LIST "" gone')).toEqual([]);
    expect(await c.command('A4', 'UNSUBSCRIBE gone')).toEqual(['A4 OK UNSUBSCRIBE completed']);
    expect(await rows(c, 'A5', 'LIST (SUBSCRIBED) "" gone')).toEqual([]);
    expect(await c.command('R1', 'RENAME moving moved')).toEqual(['R1 OK RENAME completed']);
    expect(await rows(c, 'A6', 'LSUB "" mov*')).toEqual(['* LSUB () "/" moved/inner']);
    c.close();
  });
});

describe('LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154)', () => {
  it('selection options SUBSCRIBED and RECURSIVEMATCH with CHILDINFO, several patterns, RETURN (CHILDREN SUBSCRIBED)', async () => {
    const c = await loggedIn(box.port('imap'), 'listext@blue.com');
    for (const name of ['m/t1', 'm/t2/t1', 'm/t3', 'm/t8/t8', 'm/t8/t9']) await c.command('C', `CREATE ${name}`);
    for (const name of ['m/t1', 'm/t2/t1', 'm/t8/t9']) await c.command('S', `SUBSCRIBE ${name}`);
    expect(await c.command('A0', 'CAPABILITY')).toEqual([expect.stringContaining(' LIST-EXTENDED '), 'A0 OK CAPABILITY completed']);
    expect(await rows(c, 'A1', 'LIST "" (m/*2 m/t3)')).toEqual(['* LIST (\\HasChildren) "/" m/t2', '* LIST (\\HasNoChildren) "/" m/t3']);
    expect(await rows(c, 'A2', 'LIST (SUBSCRIBED) "" m/*')).toEqual(['* LIST (\\HasNoChildren \\Subscribed) "/" m/t1', '* LIST (\\HasNoChildren \\Subscribed) "/" m/t2/t1', '* LIST (\\HasNoChildren \\Subscribed) "/" m/t8/t9']);
    // §3.5: m/t2 fails SUBSCRIBED itself but a child that % hides passes it.
    expect(await rows(c, 'A3', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" m/% RETURN (CHILDREN)')).toEqual([
      '* LIST (\\HasChildren) "/" m/t2 (CHILDINFO ("SUBSCRIBED"))',
      '* LIST (\\HasChildren) "/" m/t8 (CHILDINFO ("SUBSCRIBED"))',
      '* LIST (\\HasNoChildren \\Subscribed) "/" m/t1',
    ]);
    // A child that matches a pattern itself is listed instead of being reported as CHILDINFO.
    expect(await rows(c, 'A4', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" (m/t2 m/t2/t1)')).toEqual(['* LIST (\\HasNoChildren \\Subscribed) "/" m/t2/t1']);
    expect(await rows(c, 'A5', 'LIST "" m/% RETURN (CHILDREN SUBSCRIBED)')).toEqual([
      '* LIST (\\HasChildren) "/" m/t2',
      '* LIST (\\HasChildren) "/" m/t8',
      '* LIST (\\HasNoChildren \\Subscribed) "/" m/t1',
      '* LIST (\\HasNoChildren) "/" m/t3',
    ]);
    expect(await rows(c, 'A6', 'LIST (REMOTE) "" m')).toEqual(['* LIST (\\HasChildren) "/" m']);
    // In an extended LIST the empty pattern is no special request (§3).
    expect(await rows(c, 'A7', 'LIST () "" ""')).toEqual([]);
    c.close();
  });

  it('malformed selection and return options are BAD, and the session goes on', async () => {
    const c = await loggedIn(box.port('imap'), 'listext-bad@blue.com');
    expect(await c.command('B1', 'LIST (BOGUS) "" ""')).toEqual(['B1 BAD LIST: unknown LIST selection option BOGUS']);
    expect(await c.command('B2', 'LIST (RECURSIVEMATCH) "" %')).toEqual(['B2 BAD LIST: RECURSIVEMATCH needs another selection option']);
    expect(await c.command('B3', 'LIST (RECURSIVEMATCH REMOTE) "" %')).toEqual(['B3 BAD LIST: RECURSIVEMATCH needs another selection option']);
    expect(await c.command('B4', 'LIST "" % RETURN (BOGUS)')).toEqual(['B4 BAD LIST: unknown LIST return option BOGUS']);
    expect(await c.command('B5', 'LIST "" % RETURN (STATUS (BOGUS))')).toEqual(['B5 BAD LIST: unknown STATUS item BOGUS']);
    expect(await c.command('B6', 'LIST "" % RETURN')).toEqual(['B6 BAD LIST: expected a space']);
    expect(await c.command('B7', 'LIST (SUBSCRIBED "" %')).toEqual(['B7 BAD LIST: expected an atom']);
    expect(await c.command('B8', 'LIST "" ()')).toEqual(['B8 BAD LIST: empty list']);
    expect(await c.command('B9', `LIST "" (${Array.from({ length: 101 }, (_, i) => `p${i}`).join(' ')})`)).toEqual(['B9 BAD LIST: at most 100 patterns']);
    expect(await c.command('B10', 'NOOP')).toEqual(['B10 OK NOOP completed']);
    c.close();
  });

  it('RETURN (STATUS …) answers each selectable listed mailbox; SPECIAL-USE selects and returns the special folders', async () => {
    const user = 'liststatus@blue.com';
    await deliver(box.store, 'hello', { to: user });
    const c = await loggedIn(box.port('imap'), user);
    await c.command('C1', 'CREATE Projects/Alpha');
    await c.command('C2', 'DELETE Projects');
    expect(await c.command('A1', 'LIST "" (INBOX Projects*) RETURN (STATUS (MESSAGES UNSEEN))')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* STATUS INBOX (MESSAGES 1 UNSEEN 1)',
      '* LIST (\\HasNoChildren) "/" Projects/Alpha',
      '* STATUS Projects/Alpha (MESSAGES 0 UNSEEN 0)',
      '* LIST (\\Noselect \\HasChildren) "/" Projects',
      'A1 OK LIST completed',
    ]);
    expect(await rows(c, 'A2', 'LIST (SPECIAL-USE) "" * RETURN (SPECIAL-USE)')).toEqual([
      '* LIST (\\HasNoChildren \\Archive) "/" Archive',
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasNoChildren \\Junk) "/" Junk',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash',
    ]);
    expect(await rows(c, 'A3', 'LIST (SPECIAL-USE SUBSCRIBED) "" "*" RETURN (STATUS (MESSAGES))')).toContain('* STATUS Junk (MESSAGES 0)');
    c.close();
  });

  it('CREATE … (USE (\\Drafts)) makes a special-use folder (RFC 6154 §3); a use it cannot give is NO [USEATTR]', async () => {
    const c = await loggedIn(box.port('imap'), 'create-use@blue.com');
    expect((await c.command('A0', 'CAPABILITY'))[0]).toContain(' CREATE-SPECIAL-USE ');
    expect(await c.command('A1', 'CREATE "Old Drafts" (USE (\\Drafts))')).toEqual(['A1 OK CREATE completed']);
    expect(await rows(c, 'A2', 'LIST (SPECIAL-USE) "" Old*')).toEqual(['* LIST (\\HasNoChildren \\Drafts) "/" "Old Drafts"']);
    expect(await c.command('A3', 'CREATE Everything (USE (\\All))')).toEqual(['A3 NO [USEATTR] Cannot create a mailbox with the use \\All']);
    expect(await c.command('A4', 'CREATE Both (USE (\\Sent \\Trash))')).toEqual(['A4 NO [USEATTR] Cannot create a mailbox with the use \\Sent \\Trash']);
    expect(await rows(c, 'A5', 'LIST "" Everything')).toEqual([]);
    expect(await c.command('A6', 'CREATE Odd (COLOR (red))')).toEqual(['A6 BAD CREATE: unknown CREATE parameter']);
    expect(await c.command('A7', 'CREATE Odd (USE ())')).toEqual(['A7 BAD CREATE: empty list']);
    // A folder given a use can be deleted again; the standard ones cannot.
    expect(await c.command('A8', 'DELETE "Old Drafts"')).toEqual(['A8 OK DELETE completed']);
    expect(await c.command('A9', 'DELETE Drafts')).toEqual(['A9 NO [CANNOT] Mailbox Drafts cannot be changed']);
    c.close();
  });

  it('a pattern of many wildcards against a long name costs name × pattern, not a regular expression backtracking (it took 20 s)', async () => {
    const c = await loggedIn(box.port('imap'), 'list-wild@blue.com');
    const long = 'a'.repeat(40);
    expect(await c.command('A1', `CREATE ${long}`)).toEqual(['A1 OK CREATE completed']);
    const started = Date.now();
    expect(await c.command('A2', `LIST "" "${'*a'.repeat(12)}b"`)).toEqual(['A2 OK LIST completed']);
    expect(await c.command('A3', `LIST "" "${'%a'.repeat(12)}%"`)).toEqual([`* LIST (\\HasNoChildren) "/" ${long}`, 'A3 OK LIST completed']);
    expect(Date.now() - started).toBeLessThan(2000);
    // The same matcher keeps `%` inside one level and INBOX caseless.
    expect(await c.command('A4', 'LIST "" "i%X"')).toEqual(['* LIST (\\HasNoChildren) "/" INBOX', 'A4 OK LIST completed']);
    c.close();
  });

  it('an unknown option or STATUS item of any length is BAD naming at most 30 characters of it', async () => {
    const c = await loggedIn(box.port('imap'), 'list-long@blue.com');
    const long = 'X'.repeat(5000);
    expect(await c.command('A1', `LIST (${long}) "" *`)).toEqual([`A1 BAD LIST: unknown LIST selection option ${'X'.repeat(30)}`]);
    expect(await c.command('A2', `LIST "" * RETURN (${long})`)).toEqual([`A2 BAD LIST: unknown LIST return option ${'X'.repeat(30)}`]);
    expect(await c.command('A3', `STATUS INBOX (${long})`)).toEqual([`A3 BAD STATUS: unknown STATUS item ${'X'.repeat(30)}`]);
    c.close();
  });
});
