import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf, storedBytes } from '../helpers/stored-bytes.js';
import { deliver } from './fixtures.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

describe('IMAP mailbox commands (RFC 3501 §6.3)', () => {
  it('SELECT reports the mailbox as in the RFC example; EXAMINE is read-only (§6.3.1, §6.3.2)', async () => {
    const user = 'select@blue.com';
    deliver(box.store, 'one', { to: user });
    const second = await deliver(box.store, 'two', { to: user });
    await box.store.setFlags([second.id], 'add', ['\\Seen', '$Important']);
    const c = await loggedIn(box.port('imap'), user);
    const folder = box.store.folder(user, 'INBOX');
    const reply = await c.command('A142', 'SELECT INBOX');
    expect(reply).toEqual([
      '* 2 EXISTS',
      '* 2 RECENT',
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important \\*)] Flags permitted',
      '* OK [UNSEEN 1] First unseen',
      `* OK [UIDVALIDITY ${folder?.uidValidity}] UIDs valid`,
      '* OK [UIDNEXT 3] Predicted next UID',
      `* OK [HIGHESTMODSEQ ${second.modseq}] Highest`,
      'A142 OK [READ-WRITE] SELECT completed',
    ]);
    const examine = (await c.command('A932', 'EXAMINE INBOX')).slice(1);
    expect(examine).toContain('* OK [PERMANENTFLAGS ()] Flags permitted');
    // \Recent went to the first session that saw the messages (RFC 3501 §2.3.2).
    expect(examine).toContain('* 0 RECENT');
    expect(examine.at(-1)).toBe('A932 OK [READ-ONLY] EXAMINE completed');
    expect(await c.command('A933', 'STORE 1 +FLAGS (\\Seen)')).toEqual(['A933 NO [READ-ONLY] Mailbox is read-only']);
    expect(await c.command('A934', 'SELECT nowhere')).toEqual(['* OK [CLOSED] Previous mailbox closed', 'A934 NO [NONEXISTENT] No mailbox nowhere']);
    // A failed SELECT leaves no mailbox selected (§6.3.1).
    expect(await c.command('A935', 'FETCH 1 FLAGS')).toEqual(['A935 BAD FETCH is not valid in the authenticated state']);
    c.close();
  });

  it('CREATE, RENAME, DELETE with hierarchy (§6.3.3–§6.3.5)', async () => {
    const c = await loggedIn(box.port('imap'), 'folders@blue.com');
    expect(await c.command('A003', 'CREATE owatagusiam/')).toEqual(['A003 OK CREATE completed']);
    expect(await c.command('A004', 'CREATE owatagusiam/blurdybloop')).toEqual(['A004 OK CREATE completed']);
    expect(await c.command('A005', 'CREATE owatagusiam')).toEqual(['A005 NO [ALREADYEXISTS] Mailbox owatagusiam already exists']);
    expect(await c.command('A006', 'CREATE foo/bar/zap')).toEqual(['A006 OK CREATE completed']);
    expect(await c.command('A007', 'LIST "" foo/%')).toEqual(['* LIST (\\HasChildren) "/" foo/bar', 'A007 OK LIST completed']);
    expect(await c.command('A683', 'RENAME foo zowie')).toEqual(['A683 OK RENAME completed']);
    expect(await c.command('A684', 'LIST "" zowie*')).toEqual([
      '* LIST (\\HasChildren) "/" zowie',
      '* LIST (\\HasChildren) "/" zowie/bar',
      '* LIST (\\HasNoChildren) "/" zowie/bar/zap',
      'A684 OK LIST completed',
    ]);
    expect(await c.command('A685', 'RENAME zowie Sent')).toEqual(['A685 NO [ALREADYEXISTS] Mailbox Sent already exists']);
    expect(await c.command('A686', 'DELETE zowie/bar/zap')).toEqual(['A686 OK DELETE completed']);
    // Deleting a superior keeps its inferiors, and the name shows as \Noselect (§6.3.4).
    expect(await c.command('A690', 'DELETE zowie')).toEqual(['A690 OK DELETE completed']);
    expect(await c.command('A691', 'LIST "" zowie*')).toEqual(['* LIST (\\HasNoChildren) "/" zowie/bar', '* LIST (\\Noselect \\HasChildren) "/" zowie', 'A691 OK LIST completed']);
    expect(await c.command('A687', 'DELETE Sent')).toEqual(['A687 NO [CANNOT] Mailbox Sent cannot be changed']);
    expect(await c.command('A688', 'DELETE nothing')).toEqual(['A688 NO [NONEXISTENT] No mailbox nothing']);
    expect(await c.command('A689', 'CREATE INBOX')).toEqual(['A689 NO [ALREADYEXISTS] Mailbox INBOX already exists']);
    c.close();
  });

  it('INBOX is case-insensitive as the first level of a name too: inbox/Done is INBOX/Done (§5.1)', async () => {
    const c = await loggedIn(box.port('imap'), 'inbox-levels@blue.com');
    expect(await c.command('A1', 'CREATE inbox/Done')).toEqual(['A1 OK CREATE completed']);
    expect(await c.command('A2', 'CREATE InBox/Done')).toEqual(['A2 NO [ALREADYEXISTS] Mailbox INBOX/Done already exists']);
    expect(await c.command('A3', 'LIST "" *')).toEqual(expect.arrayContaining(['* LIST (\\HasChildren) "/" INBOX', '* LIST (\\HasNoChildren) "/" INBOX/Done']));
    expect((await c.command('A4', 'LIST "" *')).filter((l) => /"\/" inbox/i.test(l) && !l.includes('INBOX'))).toEqual([]);
    expect(await c.command('A5', 'LIST "inbox/" %')).toEqual(['* LIST (\\HasNoChildren) "/" INBOX/Done', 'A5 OK LIST completed']);
    expect((await c.command('A6', 'SELECT inbox/done')).at(-1)).toBe('A6 NO [NONEXISTENT] No mailbox INBOX/done');
    expect((await c.command('A7', 'SELECT Inbox/Done')).at(-1)).toBe('A7 OK [READ-WRITE] SELECT completed');
    c.close();
  });

  it('LIST with special-use attributes, patterns, the delimiter query and RETURN options (§6.3.8, RFC 6154)', async () => {
    const c = await loggedIn(box.port('imap'), 'list@blue.com');
    expect(await c.command('A101', 'LIST "" ""')).toEqual(['* LIST (\\Noselect) "/" ""', 'A101 OK LIST completed']);
    expect(await c.command('A102', 'LIST "" *')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash',
      '* LIST (\\HasNoChildren \\Archive) "/" Archive',
      '* LIST (\\HasNoChildren \\Junk) "/" Junk',
      'A102 OK LIST completed',
    ]);
    expect(await c.command('A103', 'LIST "" inbox')).toEqual(['* LIST (\\HasNoChildren) "/" INBOX', 'A103 OK LIST completed']);
    expect(await c.command('A104', 'LIST (SPECIAL-USE) "" "*"')).toHaveLength(6);
    expect(await c.command('A105', 'LIST "" "Dr*" RETURN (SUBSCRIBED)')).toEqual(['* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" Drafts', 'A105 OK LIST completed']);
    expect(await c.command('A106', 'LIST "" (Sent Trash)')).toHaveLength(3);
    // RFC 5819 LIST-STATUS
    expect(await c.command('A107', 'LIST "" Junk RETURN (STATUS (MESSAGES UNSEEN))')).toEqual(['* LIST (\\HasNoChildren \\Junk) "/" Junk', '* STATUS Junk (MESSAGES 0 UNSEEN 0)', 'A107 OK LIST completed']);
    // RFC 7162 §3.2.11: selecting while selected reports the old mailbox closed.
    await c.command('A108', 'SELECT INBOX');
    expect((await c.command('A109', 'EXAMINE Junk'))[0]).toBe('* OK [CLOSED] Previous mailbox closed');
    c.close();
  });

  it('SUBSCRIBE, UNSUBSCRIBE and LSUB (§6.3.6, §6.3.7, §6.3.9)', async () => {
    const c = await loggedIn(box.port('imap'), 'lsub@blue.com');
    expect(await c.command('A002', 'UNSUBSCRIBE Junk')).toEqual(['A002 OK UNSUBSCRIBE completed']);
    const lsub = await c.command('A003', 'LSUB "" *');
    expect(lsub).not.toContain('* LSUB () "/" Junk');
    expect(lsub).toContain('* LSUB () "/" Trash');
    expect(await c.command('A004', 'SUBSCRIBE Junk')).toEqual(['A004 OK SUBSCRIBE completed']);
    expect(await c.command('A005', 'LSUB "" J*')).toEqual(['* LSUB () "/" Junk', 'A005 OK LSUB completed']);
    expect(await c.command('A006', 'SUBSCRIBE nowhere')).toEqual(['A006 NO [NONEXISTENT] No mailbox nowhere']);
    c.close();
  });

  it('NAMESPACE (RFC 2342) and STATUS (§6.3.10, RFC 9051 SIZE/DELETED, RFC 7162)', async () => {
    const user = 'status@blue.com';
    const a = await deliver(box.store, 'a', { to: user });
    deliver(box.store, 'b', { to: user });
    await box.store.setFlags([a.id], 'add', ['\\Seen', '\\Deleted']);
    const folder = box.store.folder(user, 'INBOX');
    const c = await loggedIn(box.port('imap'), user);
    expect(await c.command('A001', 'NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL NIL', 'A001 OK NAMESPACE completed']);
    expect(await c.command('A042', 'STATUS INBOX (MESSAGES UNSEEN)')).toEqual(['* STATUS INBOX (MESSAGES 2 UNSEEN 1)', 'A042 OK STATUS completed']);
    const full = await c.command('A043', 'STATUS inbox (UIDNEXT UIDVALIDITY RECENT DELETED SIZE HIGHESTMODSEQ)');
    const size = (await storedBytes(box.store, (folder?.entries ?? []).map((e) => e.message))).reduce((n, raw) => n + (raw?.length ?? 0), 0);
    expect(full[0]).toBe(`* STATUS INBOX (UIDNEXT 3 UIDVALIDITY ${folder?.uidValidity} RECENT 2 DELETED 1 SIZE ${size} HIGHESTMODSEQ ${a.modseq})`);
    expect((await c.command('A044', 'STATUS INBOX (BOGUS)'))[0]).toMatch(/^A044 BAD /);
    expect(await c.command('A045', 'STATUS nowhere (MESSAGES)')).toEqual(['A045 NO [NONEXISTENT] No mailbox nowhere']);
    c.close();
  });

  it('APPEND with flags, date, synchronising and non-synchronising literals (§6.3.11, RFC 4315, RFC 7888)', async () => {
    const user = 'append@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    const drafts = box.store.folder(user, 'Drafts');
    const message = 'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.COM>\r\nSubject: afternoon meeting\r\nTo: mooch@owatagu.siam.edu\r\n\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n';
    c.write(`A003 APPEND Drafts (\\Seen \\Draft) "07-Feb-1994 21:52:25 -0800" {${Buffer.byteLength(message)}}\r\n`);
    expect(await c.line()).toBe('+ Ready for literal data');
    c.write(message + '\r\n');
    expect(await c.line()).toBe(`A003 OK [APPENDUID ${drafts?.uidValidity} 1] APPEND completed`);
    c.write(`A004 APPEND Drafts {${Buffer.byteLength(message)}+}\r\n${message}\r\n`);
    expect(await c.line()).toBe(`A004 OK [APPENDUID ${drafts?.uidValidity} 2] APPEND completed`);
    expect(await c.command('A005', 'APPEND nowhere {3+}\r\nabc')).toEqual(['A005 NO [TRYCREATE] No mailbox nowhere']);
    await c.command('A006', 'SELECT Drafts');
    const fetched = await c.command('A007', 'FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])');
    expect(fetched[0]).toBe(`* 1 FETCH (FLAGS (\\Seen \\Draft \\Recent) INTERNALDATE "08-Feb-1994 05:52:25 +0000" RFC822.SIZE ${Buffer.byteLength(message)} BODY[] {${Buffer.byteLength(message)}}\r\n${message})`);
    const stored = drafts?.entries[0]?.message;
    expect((await bytesOf(box.store, stored))?.toString()).toBe(message);
    expect(stored?.client.via).toBe('imap');
    c.close();
  });

  it('mailbox names in modified UTF-7, and in UTF-8 after ENABLE IMAP4rev2 (RFC 3501 §5.1.3)', async () => {
    const c = await loggedIn(box.port('imap'), 'utf7@blue.com');
    expect(await c.command('A1', 'CREATE "~peter/mail/&U,BTFw-/&ZeVnLIqe-"')).toEqual(['A1 OK CREATE completed']);
    expect(box.store.folder('utf7@blue.com', '~peter/mail/台北/日本語')).toBeDefined();
    expect(await c.command('A2', 'LIST "" "~peter/mail/&U,BTFw-/*"')).toEqual(['* LIST (\\HasNoChildren) "/" ~peter/mail/&U,BTFw-/&ZeVnLIqe-', 'A2 OK LIST completed']);
    await c.command('A3', 'ENABLE IMAP4rev2');
    expect(await c.command('A4', 'LIST "" "~peter/mail/台北/*"')).toEqual(['* LIST (\\HasNoChildren) "/" "~peter/mail/台北/日本語"', 'A4 OK LIST completed']);
    c.close();
  });

  it('ends with BYE a session whose selected folder another session deletes, and tells it nothing of a new folder of that name (RFC 2180 §3)', async () => {
    const user = 'gone@blue.com';
    const [watcher, other] = [await loggedIn(box.port('imap'), user), await loggedIn(box.port('imap'), user)];
    try {
      expect(await other.command('C1', 'CREATE Projects')).toEqual(['C1 OK CREATE completed']);
      expect((await watcher.command('S1', 'SELECT Projects')).at(-1)).toMatch(/^S1 OK \[READ-WRITE\]/);
      watcher.write('I1 IDLE\r\n');
      expect(await watcher.line()).toBe('+ idling');
      expect(await other.command('D1', 'DELETE Projects')).toEqual(['D1 OK DELETE completed']);
      expect(await other.command('C2', 'CREATE Projects')).toEqual(['C2 OK CREATE completed']);
      const appended = await other.command('P1', 'APPEND Projects {12+}\r\nSubject: x\r\n');
      expect(appended.at(-1)).toMatch(/^P1 OK \[APPENDUID \d+ 1\]/);
      expect(await watcher.line()).toBe('* BYE The selected folder was deleted elsewhere');
      await watcher.closedByServer();
    } finally {
      watcher.close();
      other.close();
    }
  });

  it('answers a DELETE of the mailbox the session itself has selected, and goes on in the authenticated state (as Dovecot does)', async () => {
    const c = await loggedIn(box.port('imap'), 'own-delete@blue.com');
    try {
      // With QRESYNC on, the expunged messages are not told (no VANISHED), nor is [CLOSED] sent (delete.ts).
      await c.command('E1', 'ENABLE QRESYNC');
      expect(await c.command('C1', 'CREATE Box')).toEqual(['C1 OK CREATE completed']);
      expect((await c.command('P1', 'APPEND Box {12+}\r\nSubject: x\r\n')).at(-1)).toMatch(/^P1 OK /);
      expect((await c.command('S1', 'SELECT Box')).at(-1)).toMatch(/^S1 OK \[READ-WRITE\]/);
      expect(await c.command('D1', 'DELETE Box')).toEqual(['D1 OK DELETE completed']);
      expect(box.store.folder('own-delete@blue.com', 'Box')).toBeUndefined();
      expect(await c.command('F1', 'FETCH 1 FLAGS')).toEqual(['F1 BAD FETCH is not valid in the authenticated state']);
      expect((await c.command('L1', 'LIST "" "*"')).filter((line) => line.endsWith(' Box'))).toEqual([]);
      // A DELETE the store refuses leaves the mailbox selected.
      expect((await c.command('S2', 'SELECT Sent')).at(-1)).toMatch(/^S2 OK \[READ-WRITE\]/);
      expect(await c.command('D2', 'DELETE Sent')).toEqual(['D2 NO [CANNOT] Mailbox Sent cannot be changed']);
      expect(await c.command('N1', 'NOOP')).toEqual(['N1 OK NOOP completed']);
      expect(await c.command('F2', 'FETCH 1:* FLAGS')).toEqual(['F2 OK FETCH completed']);
      expect(c.closed).toBe(false);
    } finally {
      c.close();
    }
  });

  it('names the new name when RENAME would move a mailbox into itself', async () => {
    const c = await loggedIn(box.port('imap'), 'rename-into@blue.com');
    await c.command('C1', 'CREATE a');
    expect(await c.command('R1', 'RENAME a a/b/c/d')).toEqual(['R1 NO [CANNOT] Invalid mailbox name a/b/c/d']);
    expect(await c.command('R2', 'RENAME a INBOX')).toEqual(['R2 NO [CANNOT] Invalid mailbox name INBOX']);
    expect(await c.command('R3', 'RENAME nowhere b')).toEqual(['R3 NO [NONEXISTENT] No mailbox nowhere']);
    c.close();
  });

  it('takes a name in modified UTF-7 only in its one 7-bit spelling, in every command that names a mailbox (RFC 3501 §5.1.3, §9; RFC 5530 CANNOT)', async () => {
    const user = 'mutf7-strict@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    const EIGHT_BIT = '8-bit mailbox name: names are modified UTF-7 (RFC 3501 section 5.1.3) unless UTF8=ACCEPT is enabled';
    const NOT_CANONICAL = 'mailbox name is not canonical modified UTF-7 (RFC 3501 section 5.1.3)';
    /**
     * Sends `tag command` with `name` where the command has `@`, and expects only `BAD text`
     * for bad syntax; for good syntax that is no name, `NO [CANNOT] text`, and as a LIST or
     * LSUB pattern an OK that lists nothing (no name is spelt so).
     */
    const refused = async (tag: string, command: string, name: Buffer, text: string) => {
      const [before, after] = command.split('@') as [string, string];
      c.write(Buffer.concat([Buffer.from(`${tag} ${before}`), name, Buffer.from(`${after}\r\n`)]));
      const verb = /^(UID )?\S+/.exec(command)?.[0];
      const pattern = /^(LIST|LSUB) "" /.test(command);
      const expected = text === EIGHT_BIT ? `${tag} BAD ${verb}: ${text}` : pattern ? `${tag} OK ${verb} completed` : `${tag} NO [CANNOT] ${verb}: ${text}`;
      expect(await c.until(tag)).toEqual([expected]);
    };
    expect(await c.command('A1', 'CREATE "R&-D/&AOk-t&AOk-"')).toEqual(['A1 OK CREATE completed']);
    expect(box.store.folder(user, 'R&D/été')).toBeDefined();
    // "ab" in base64 (printable ASCII must stand for itself), a shift left open, a bare "&",
    // two shifts where one does, leftover bits, a lone surrogate.
    for (const [i, name] of ['"&AGEAYg-"', '"&AGE"', 'R&D', '"&AOk-&AOk-"', '"&AOl-"', '"&2AA-"'].entries()) {
      await refused(`B${i}`, 'CREATE @', Buffer.from(name), NOT_CANONICAL);
    }
    // 8-bit bytes: in a quoted string, a literal, an atom; as Latin-1 or as UTF-8.
    for (const [i, name] of [Buffer.from('"a\x80b"', 'latin1'), Buffer.from('"a\x81b"', 'latin1'), Buffer.from('{3+}\r\na\x80b', 'latin1'), Buffer.from('café')].entries()) {
      await refused(`C${i}`, 'CREATE @', name, EIGHT_BIT);
    }
    // Nothing was made: not "ab", nor a name with U+FFFD for the 8-bit byte.
    expect(await c.command('A2', 'LIST "" a*')).toEqual(['A2 OK LIST completed']);
    // Wildcards stand for themselves around encoded names.
    expect(await c.command('A3', 'LIST "" R&-D/&AOk-%')).toEqual(['* LIST (\\HasNoChildren) "/" R&-D/&AOk-t&AOk-', 'A3 OK LIST completed']);
    expect(await c.command('A4', 'LIST "" (*&AOk- R&-D)')).toEqual(['* LIST (\\HasChildren) "/" R&-D', '* LIST (\\HasNoChildren) "/" R&-D/&AOk-t&AOk-', 'A4 OK LIST completed']);
    expect((await c.command('A5', 'SELECT INBOX')).at(-1)).toMatch(/^A5 OK /);
    const commands = ['SELECT @', 'EXAMINE @', 'CREATE @', 'DELETE @', 'RENAME @ x', 'RENAME INBOX @', 'SUBSCRIBE @', 'UNSUBSCRIBE @', 'STATUS @ (MESSAGES)', 'APPEND @ {1+}\r\nx', 'COPY 1 @', 'MOVE 1 @', 'UID COPY 1 @', 'UID MOVE 1 @', 'LIST @ ""', 'LIST "" @', 'LIST "" (x @)', 'LSUB @ ""', 'LSUB "" @'];
    for (const [i, command] of commands.entries()) {
      await refused(`D${i}`, command, Buffer.from('"a\xe9"', 'latin1'), EIGHT_BIT);
      await refused(`E${i}`, command, Buffer.from('"&AGE"'), NOT_CANONICAL);
      // An atom of every character an atom may hold, "&'" a shift left open (imaptest's "atoms").
      await refused(`F${i}`, command, Buffer.from("!#$&'+,-.0123456789:;<=>?@^_`|}"), NOT_CANONICAL);
    }
    expect(c.closed).toBe(false);
    c.close();
  });

  it('keeps a session whose selected folder another session renames, and tells it of new mail there', async () => {
    const user = 'renamed@blue.com';
    const [watcher, other] = [await loggedIn(box.port('imap'), user), await loggedIn(box.port('imap'), user)];
    try {
      await other.command('C1', 'CREATE Old');
      await watcher.command('S1', 'SELECT Old');
      expect(await other.command('R1', 'RENAME Old New')).toEqual(['R1 OK RENAME completed']);
      await other.command('P1', 'APPEND New {12+}\r\nSubject: y\r\n');
      expect(await watcher.command('N1', 'NOOP')).toEqual(['* 1 EXISTS', '* 1 RECENT', 'N1 OK NOOP completed']);
    } finally {
      watcher.close();
      other.close();
    }
  });
});
