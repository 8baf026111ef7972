import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf } from '../helpers/stored-bytes.js';
import { deliver, rawMessage } from './fixtures.js';
import { loggedIn, type ImapLineClient } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

let users = 0;
/** A fresh login with `count` messages, selected. */
async function mailbox(count: number, options: { select?: boolean } = {}): Promise<{ c: ImapLineClient; user: string }> {
  const user = `sel${++users}@blue.com`;
  for (let i = 1; i <= count; i++) await deliver(box.store, `message ${i}`, { to: user, body: `text number ${i}` });
  const c = await loggedIn(box.port('imap'), user);
  if (options.select !== false) await c.command('S0', 'SELECT INBOX');
  return { c, user };
}

describe('IMAP FETCH (RFC 3501 §6.4.5)', () => {
  it('returns FLAGS, UID, sizes, dates, BODY[] equal to the stored bytes, and sets \\Seen unless PEEK', async () => {
    const { c, user } = await mailbox(2);
    const entry = box.store.folder(user, 'INBOX')?.entries[0];
    const raw = (await bytesOf(box.store, entry?.message))?.toString() ?? '';
    expect(await c.command('A1', 'FETCH 1 (UID RFC822.SIZE)')).toEqual([`* 1 FETCH (UID 1 RFC822.SIZE ${raw.length})`, 'A1 OK FETCH completed']);
    expect(await c.command('A2', 'FETCH 1 BODY.PEEK[]')).toEqual([`* 1 FETCH (BODY[] {${raw.length}}\r\n${raw})`, 'A2 OK FETCH completed']);
    expect(entry?.message.flags.has('\\Seen')).toBe(false);
    expect(await c.command('A3', 'FETCH 1 BODY[]')).toEqual([`* 1 FETCH (BODY[] {${raw.length}}\r\n${raw} FLAGS (\\Seen \\Recent))`, 'A3 OK FETCH completed']);
    expect(entry?.message.flags.has('\\Seen')).toBe(true);
    const raw2 = (await bytesOf(box.store, box.store.folder(user, 'INBOX')?.entries[1]?.message))?.toString() ?? '';
    const header = raw2.slice(0, raw2.indexOf('\r\n\r\n') + 4);
    expect(await c.command('A4', 'FETCH 2 RFC822.HEADER')).toEqual([`* 2 FETCH (RFC822.HEADER {${header.length}}\r\n${header})`, 'A4 OK FETCH completed']);
    expect(await c.command('A5', 'FETCH 2 (BODY.PEEK[TEXT]<0.4> BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).toEqual([
      '* 2 FETCH (BODY[TEXT]<0> {4}\r\ntext BODY[HEADER.FIELDS (SUBJECT)] {22}\r\nSubject: message 2\r\n\r\n)',
      'A5 OK FETCH completed',
    ]);
    expect(await c.command('A6', 'FETCH 2 BODY.PEEK[TEXT]<100.5>')).toEqual(['* 2 FETCH (BODY[TEXT]<100> {0}\r\n)', 'A6 OK FETCH completed']);
    const fast = await c.command('A7', 'FETCH 1:2 FAST');
    expect(fast[0]).toMatch(/^\* 1 FETCH \(FLAGS \(\\Seen \\Recent\) INTERNALDATE "\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d \+0000" RFC822.SIZE \d+\)$/);
    expect(fast).toHaveLength(3);
    const all = await c.command('A8', 'FETCH 1 ALL');
    expect(all[0]).toContain('ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700" "message 1" (("Alice" NIL "alice" "red.com"))');
    expect(await c.command('A9', 'FETCH 1 BODYSTRUCTURE')).toEqual([
      '* 1 FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 1 NIL NIL NIL NIL))',
      'A9 OK FETCH completed',
    ]);
    expect(await c.command('A10', 'FETCH 1 BODY')).toEqual(['* 1 FETCH (BODY ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 1))', 'A10 OK FETCH completed']);
    expect(await c.command('A11', 'UID FETCH 2 FLAGS')).toEqual(['* 2 FETCH (UID 2 FLAGS (\\Recent))', 'A11 OK UID FETCH completed']);
    expect(await c.command('A12', 'UID FETCH 99 FLAGS')).toEqual(['A12 OK UID FETCH completed']);
    expect(await c.command('A13', 'FETCH 3 FLAGS')).toEqual(['A13 BAD Invalid message sequence number']);
    expect((await c.command('A14', 'FETCH 1 (FLAGS BOGUS)'))[0]).toMatch(/^A14 BAD /);
    expect(await c.command('A15', 'FETCH 2,1 (UID)')).toEqual(['* 1 FETCH (UID 1)', '* 2 FETCH (UID 2)', 'A15 OK FETCH completed']);
    c.close();
  });
});

describe('IMAP BINARY (RFC 3516)', () => {
  it('decodes a base64 part, reports its size, and uses literal8 for NUL bytes', async () => {
    const user = 'binary@blue.com';
    const payload = Buffer.from([0x00, 0x01, 0x02, 0xff, 0x41]);
    await box.store.deliver({
      raw: Buffer.from(
        ['Subject: bin', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9', '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', payload.toString('base64'), '--b--', ''].join('\r\n'),
      ),
      envelope: { mailFrom: 'a@red.com', rcptTo: [user] },
    });
    const c = await loggedIn(box.port('imap'), user);
    await c.command('S', 'SELECT INBOX');
    expect(await c.command('B1', 'FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[1])')).toEqual(['* 1 FETCH (BINARY.SIZE[2] 5 BINARY[1] {5}\r\ncafé)', 'B1 OK FETCH completed']);
    c.write('B2 FETCH 1 BINARY.PEEK[2]\r\n');
    const line = await c.line();
    expect(line.startsWith('* 1 FETCH (BINARY[2] ~{5}\r\n\u0000\u0001\u0002')).toBe(true);
    expect(line.endsWith('A)')).toBe(true);
    c.close();
  });

  it('fails with NO [UNKNOWN-CTE] for a part in an encoding it cannot undo, before sending anything (RFC 3516 §4.3)', async () => {
    const user = 'cte@blue.com';
    const parts = ['--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9', '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: x-uuencode', '', 'begin 644 a', '--b--', ''];
    const raw = Buffer.from(['Subject: cte', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=b', '', ...parts].join('\r\n'));
    const message = await box.store.deliver({ raw, envelope: { mailFrom: 'a@red.com', rcptTo: [user] } });
    const c = await loggedIn(box.port('imap'), user);
    await c.command('S', 'SELECT INBOX');
    const refused = 'NO [UNKNOWN-CTE] Cannot decode the Content-Transfer-Encoding of a requested part';
    expect(await c.command('C1', 'FETCH 1 BINARY[2]')).toEqual([`C1 ${refused}`]);
    expect(message.flags.has('\\Seen')).toBe(false);
    expect(await c.command('C2', 'FETCH 1 (UID BINARY.SIZE[2])')).toEqual([`C2 ${refused}`]);
    expect(await c.command('C3', 'UID FETCH 1 (FLAGS BINARY.PEEK[1] BINARY.PEEK[2])')).toEqual([`C3 ${refused}`]);
    // The encoded bytes are still there through BODY[], and the decodable part through BINARY.
    expect(await c.command('C4', 'FETCH 1 BODY.PEEK[2]')).toEqual(['* 1 FETCH (BODY[2] {11}\r\nbegin 644 a)', 'C4 OK FETCH completed']);
    expect(await c.command('C5', 'FETCH 1 BINARY.PEEK[1]')).toEqual(['* 1 FETCH (BINARY[1] {5}\r\ncafé)', 'C5 OK FETCH completed']);
    expect(await c.command('C6', 'FETCH 1 BINARY.PEEK[3]')).toEqual(['* 1 FETCH (BINARY[3] NIL)', 'C6 OK FETCH completed']);
    c.close();
  });
});

describe('IMAP STORE (RFC 3501 §6.4.6)', () => {
  it('adds, removes and replaces flags and keywords, silently when asked', async () => {
    const { c, user } = await mailbox(4);
    expect(await c.command('A003', 'STORE 2:4 +FLAGS (\\Deleted)')).toEqual([
      '* 2 FETCH (FLAGS (\\Deleted \\Recent))',
      '* 3 FETCH (FLAGS (\\Deleted \\Recent))',
      '* 4 FETCH (FLAGS (\\Deleted \\Recent))',
      'A003 OK STORE completed',
    ]);
    expect(await c.command('A004', 'STORE 2 -FLAGS.SILENT (\\Deleted)')).toEqual(['A004 OK STORE completed']);
    expect(await c.command('A005', 'STORE 1 FLAGS (\\Flagged $Label1)')).toEqual([
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags permitted',
      '* 1 FETCH (FLAGS (\\Flagged $Label1 \\Recent))',
      'A005 OK STORE completed',
    ]);
    expect(await c.command('A006', 'UID STORE 1 +FLAGS \\Seen')).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Flagged $Label1 \\Seen \\Recent))', 'A006 OK UID STORE completed']);
    expect(await c.command('A007', 'STORE 1 +FLAGS (\\Recent)')).toEqual(['* 1 FETCH (FLAGS (\\Flagged $Label1 \\Seen \\Recent))', 'A007 OK STORE completed']);
    const messages = box.store.folder(user, 'INBOX')?.entries.map((e) => [...e.message.flags].sort());
    expect(messages).toEqual([['$Label1', '\\Flagged', '\\Seen'], [], ['\\Deleted'], ['\\Deleted']]);
    expect((await c.command('A008', 'STORE 1 FLAGS'))[0]).toMatch(/^A008 BAD /);
    c.close();
  });

  it('reads system flags in any case, and refuses ones the RFC does not define', async () => {
    const { c, user } = await mailbox(1);
    // Flags are atoms, case-insensitive: \seen is \Seen, so the web inbox sees it read too.
    expect(await c.command('A1', 'STORE 1 +FLAGS (\\seen \\FLAGGED)')).toEqual(['* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))', 'A1 OK STORE completed']);
    const message = box.store.folder(user, 'INBOX')?.entries[0]?.message;
    expect([...(message?.flags ?? [])].sort()).toEqual(['\\Flagged', '\\Seen']);
    // A server must not report a flag-extension (RFC 3501 §9), so it does not take one.
    expect((await c.command('A2', 'STORE 1 +FLAGS (\\Bogus)'))[0]).toMatch(/^A2 BAD .*unknown system flag \\Bogus/);
    expect((await c.command('A3', 'FETCH 1 FLAGS'))[0]).toBe('* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))');
    c.close();
  });
});

/** Logs in, selects INBOX, and gives the first line a SEARCH answers with. */
async function searching(user: string): Promise<{ c: ImapLineClient; search(criteria: string): Promise<string | undefined> }> {
  const c = await loggedIn(box.port('imap'), user);
  await c.command('S', 'SELECT INBOX');
  return { c, search: async (criteria) => (await c.command('Q', `SEARCH ${criteria}`))[0] };
}

describe('IMAP SEARCH (RFC 3501 §6.4.4)', () => {
  it('finds by every kind of key', async () => {
    const user = `search@blue.com`;
    await deliver(box.store, 'Hello world', { to: user, from: 'Smith <smith@example.com>', body: 'the quick brown fox', receivedAt: new Date('2024-02-01T10:00:00Z') });
    const b = await deliver(box.store, '=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=', { to: user, body: 'lazy dog', receivedAt: new Date('2024-02-02T10:00:00Z'), extra: 'X-Ticket: 42' });
    const c3 = await deliver(box.store, 'third', { to: user, body: 'Fox again', receivedAt: new Date('2024-02-03T10:00:00Z') });
    await box.store.setFlags([b.id], 'add', ['\\Seen', '\\Answered']);
    await box.store.setFlags([c3.id], 'add', ['\\Flagged', 'urgent']);
    const { c, search } = await searching(user);
    expect(await search('ALL')).toBe('* SEARCH 1 2 3');
    expect(await search('FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"')).toBe('* SEARCH 3');
    expect(await search('FROM smith')).toBe('* SEARCH 1');
    expect(await search('TO bob')).toBe('* SEARCH');
    expect(await search('SUBJECT grüße')).toBe('* SEARCH 2');
    expect(await search(`CHARSET UTF-8 SUBJECT {${Buffer.byteLength('grüße')}+}\r\ngrüße`)).toBe('* SEARCH 2');
    expect(await search('BODY FOX')).toBe('* SEARCH 1 3');
    // As the web inbox's search: a run of white space counts as one space (so a phrase also matches across a line break).
    expect(await search('BODY "quick   brown"')).toBe('* SEARCH 1');
    expect(await search('BODY "dog fox"')).toBe('* SEARCH');
    expect(await search('TEXT x-ticket')).toBe('* SEARCH 2');
    expect(await search('HEADER X-Ticket 42')).toBe('* SEARCH 2');
    expect(await search('HEADER X-Ticket ""')).toBe('* SEARCH 2');
    expect(await search('SEEN')).toBe('* SEARCH 2');
    expect(await search('UNSEEN')).toBe('* SEARCH 1 3');
    expect(await search('ANSWERED')).toBe('* SEARCH 2');
    expect(await search('UNANSWERED UNFLAGGED')).toBe('* SEARCH 1');
    expect(await search('KEYWORD urgent')).toBe('* SEARCH 3');
    expect(await search('UNKEYWORD urgent')).toBe('* SEARCH 1 2');
    expect(await search('DELETED')).toBe('* SEARCH');
    expect(await search('UNDELETED UNDRAFT')).toBe('* SEARCH 1 2 3');
    expect(await search('DRAFT')).toBe('* SEARCH');
    expect(await search('BEFORE 2-Feb-2024')).toBe('* SEARCH 1');
    expect(await search('ON 2-Feb-2024')).toBe('* SEARCH 2');
    expect(await search('SINCE 2-Feb-2024')).toBe('* SEARCH 2 3');
    expect(await search('SENTON 17-Jul-1996')).toBe('* SEARCH 1 2 3');
    expect(await search('SENTBEFORE 17-Jul-1996')).toBe('* SEARCH');
    expect(await search('SENTSINCE 18-Jul-1996')).toBe('* SEARCH');
    expect(await search('LARGER 10 SMALLER 100000')).toBe('* SEARCH 1 2 3');
    expect(await search('SMALLER 10')).toBe('* SEARCH');
    expect(await search('OR SEEN FLAGGED')).toBe('* SEARCH 2 3');
    expect(await search('(SEEN) (ANSWERED)')).toBe('* SEARCH 2');
    expect(await search('2:*')).toBe('* SEARCH 2 3');
    expect(await search('UID 1,3')).toBe('* SEARCH 1 3');
    expect(await search('NEW')).toBe('* SEARCH 1 3');
    expect(await search('RECENT')).toBe('* SEARCH 1 2 3');
    expect(await search('OLD')).toBe('* SEARCH');
    expect(await search('BCC nobody')).toBe('* SEARCH');
    expect(await search('CC nobody')).toBe('* SEARCH');
    expect(await c.command('Q', 'UID SEARCH BODY dog')).toEqual(['* SEARCH 2', 'Q OK UID SEARCH completed']);
    expect(await c.command('R1', 'SEARCH RETURN (MIN MAX COUNT) UNSEEN')).toEqual(['* ESEARCH (TAG "R1") MIN 1 MAX 3 COUNT 2', 'R1 OK SEARCH completed']);
    expect(await c.command('R2', 'UID SEARCH RETURN () ALL')).toEqual(['* ESEARCH (TAG "R2") UID ALL 1:3', 'R2 OK UID SEARCH completed']);
    expect(await c.command('R3', 'SEARCH CHARSET KOI8-R ALL')).toEqual(['R3 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset']);
    expect((await c.command('R4', 'SEARCH BOGUS'))[0]).toMatch(/^R4 BAD /);
    await c.command('R5', 'ENABLE IMAP4rev2');
    expect(await c.command('R6', 'SEARCH SEEN')).toEqual(['* ESEARCH (TAG "R6") ALL 2', 'R6 OK SEARCH completed']);
    c.close();
  });
});

describe('IMAP SEARCH by sent date', () => {
  it('SENTON, SENTBEFORE and SENTSINCE take the day the Date field states, in its own zone (§6.4.4)', async () => {
    const user = 'sent-day@blue.com';
    // Each of these is a different day in UTC from the one it states.
    const dates = ['Mon, 1 Jan 2024 23:30:00 -0500', 'Tue, 2 Jan 2024 00:30:00 +0100', 'Tue, 2 Jan 2024 20:00:00 PST', 'Tue, 2 Jan 2024 00:10:00 +0030 (odd zone)'];
    for (const date of dates) await box.store.deliver({ raw: rawMessage({ subject: date, to: user, date }), envelope: { mailFrom: 'alice@red.com', rcptTo: [user] } });
    const { c, search } = await searching(user);
    expect(await search('SENTON 1-Jan-2024')).toBe('* SEARCH 1');
    expect(await search('SENTON 2-Jan-2024')).toBe('* SEARCH 2 3 4');
    expect(await search('SENTBEFORE 2-Jan-2024')).toBe('* SEARCH 1');
    expect(await search('SENTSINCE 2-Jan-2024')).toBe('* SEARCH 2 3 4');
    expect(await search('SENTSINCE 3-Jan-2024')).toBe('* SEARCH');
    c.close();
  });
});

describe('IMAP COPY, MOVE, EXPUNGE, CLOSE, UNSELECT', () => {
  it('COPY answers COPYUID and files copies (§6.4.7, RFC 4315)', async () => {
    const { c, user } = await mailbox(3);
    const archive = box.store.folder(user, 'Archive');
    expect(await c.command('A003', 'COPY 2:3 Archive')).toEqual([`A003 OK [COPYUID ${archive?.uidValidity} 2:3 1:2] COPY completed`]);
    expect(await c.command('A004', 'UID COPY 1 Archive')).toEqual([`A004 OK [COPYUID ${archive?.uidValidity} 1 3] UID COPY completed`]);
    expect(await c.command('A005', 'COPY 1 nowhere')).toEqual(['A005 NO [TRYCREATE] No mailbox nowhere']);
    expect(archive?.entries.map((e) => e.message.summary.subject)).toEqual(['message 2', 'message 3', 'message 1']);
    c.close();
  });

  it('MOVE sends COPYUID then EXPUNGE (RFC 6851 §4.3)', async () => {
    const { c, user } = await mailbox(3);
    const trash = box.store.folder(user, 'Trash');
    expect(await c.command('a', 'UID MOVE 2:3 Trash')).toEqual([`* OK [COPYUID ${trash?.uidValidity} 2:3 1:2] Moved`, '* 2 EXPUNGE', '* 2 EXPUNGE', 'a OK UID MOVE completed']);
    expect(await c.command('b', 'FETCH 1:* UID')).toEqual(['* 1 FETCH (UID 1)', 'b OK FETCH completed']);
    expect(trash?.entries).toHaveLength(2);
    expect(box.store.get(trash?.entries[0]?.message.id ?? '')).toBeDefined();
    c.close();
  });

  it('MOVE into the selected folder itself renumbers the messages instead of doubling them (RFC 6851 §3.1)', async () => {
    const { c, user } = await mailbox(3);
    const inbox = box.store.folder(user, 'INBOX');
    const moved = inbox?.entries[0]?.message;
    expect(await c.command('a', 'MOVE 1 INBOX')).toEqual([`* OK [COPYUID ${inbox?.uidValidity} 1 4] Moved`, '* 1 EXPUNGE', '* 3 EXISTS', '* 3 RECENT', 'a OK MOVE completed']);
    expect(await c.command('b', 'FETCH 1:* UID')).toEqual(['* 1 FETCH (UID 2)', '* 2 FETCH (UID 3)', '* 3 FETCH (UID 4)', 'b OK FETCH completed']);
    expect(inbox?.entries.map((e) => e.message)[2]).toBe(moved);
    expect(box.store.get(moved?.id ?? '')).toBe(moved);
    c.close();
  });

  it('the catch-all MOVE from INBOX to INBOX leaves every message where it is', async () => {
    await deliver(box.store, 'for the catch-all', { to: 'anyone@blue.com' });
    const c = await loggedIn(box.port('imap'), 'everyone');
    const before = box.store.folder('everyone', 'INBOX')?.entries.length ?? 0;
    await c.command('S', 'SELECT INBOX');
    expect(await c.command('a', 'MOVE 1 INBOX')).toEqual([expect.stringMatching(/^\* OK \[COPYUID \d+ 1 1\] Moved$/), 'a OK MOVE completed']);
    expect(box.store.folder('everyone', 'INBOX')?.entries.length).toBe(before);
    c.close();
  });

  it('EXPUNGE renumbers as in the RFC example (§6.4.3); UID EXPUNGE limits to UIDs (RFC 4315)', async () => {
    const { c } = await mailbox(11);
    await c.command('A1', 'STORE 3:5,8 +FLAGS.SILENT (\\Deleted)');
    expect(await c.command('A202', 'EXPUNGE')).toEqual(['* 3 EXPUNGE', '* 3 EXPUNGE', '* 3 EXPUNGE', '* 5 EXPUNGE', 'A202 OK EXPUNGE completed']);
    await c.command('A2', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)');
    expect(await c.command('A003', 'UID EXPUNGE 2:4')).toEqual(['* 2 EXPUNGE', 'A003 OK UID EXPUNGE completed']);
    expect((await c.command('A4', 'UID SEARCH ALL'))[0]).toBe('* SEARCH 1 6 7 9 10 11');
    c.close();
  });

  it('CLOSE expunges without responses; UNSELECT does not expunge', async () => {
    const { c, user } = await mailbox(2);
    await c.command('A1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await c.command('A2', 'UNSELECT')).toEqual(['A2 OK UNSELECT completed']);
    expect(box.store.folder(user, 'INBOX')?.entries).toHaveLength(2);
    await c.command('A3', 'SELECT INBOX');
    expect(await c.command('A341', 'CLOSE')).toEqual(['A341 OK CLOSE completed']);
    expect(box.store.folder(user, 'INBOX')?.entries).toHaveLength(1);
    expect(await c.command('A4', 'CLOSE')).toEqual(['A4 BAD CLOSE is not valid in the authenticated state']);
    c.close();
  });

  it('CHECK is a no-op (§6.4.1)', async () => {
    const { c } = await mailbox(1);
    expect(await c.command('FXXZ', 'CHECK')).toEqual(['FXXZ OK CHECK completed']);
    c.close();
  });
});

describe('IMAP CONDSTORE (RFC 7162)', () => {
  it('reports MODSEQ, filters by CHANGEDSINCE, refuses a STORE past UNCHANGEDSINCE', async () => {
    const { c, user } = await mailbox(3, { select: false });
    const select = await c.command('A1', 'SELECT INBOX (CONDSTORE)');
    const entries = box.store.folder(user, 'INBOX')?.entries ?? [];
    const [m1, m2, m3] = entries.map((e) => e.message);
    expect(select).toContain(`* OK [HIGHESTMODSEQ ${m3?.modseq}] Highest`);
    expect(await c.command('A2', 'FETCH 1 (MODSEQ)')).toEqual([`* 1 FETCH (MODSEQ (${m1?.modseq}))`, 'A2 OK FETCH completed']);
    await box.store.setFlags([m2?.id ?? ''], 'add', ['\\Flagged']);
    const since = m3?.modseq ?? 0;
    const changed = await c.command('A3', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${since})`);
    expect(changed).toContain(`* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ (${m2?.modseq}))`);
    expect(changed.filter((l) => l.startsWith('*')), changed.join('\n')).toHaveLength(1);
    expect(await c.command('A4', `STORE 1:2 (UNCHANGEDSINCE ${since}) +FLAGS.SILENT (\\Seen)`)).toEqual([
      `* 1 FETCH (MODSEQ (${m1?.modseq}))`,
      'A4 OK [MODIFIED 2] Conditional STORE failed',
    ]);
    expect(m1?.flags.has('\\Seen')).toBe(true);
    expect(m2?.flags.has('\\Seen')).toBe(false);
    expect(await c.command('A5', `SEARCH MODSEQ ${m1?.modseq}`)).toEqual([`* SEARCH 1 (MODSEQ ${m1?.modseq})`, 'A5 OK SEARCH completed']);
    c.close();
  });

  it('a FETCH that sets \\Seen reports the UID and the new MODSEQ once CONDSTORE is on (§3.1)', async () => {
    const { c, user } = await mailbox(3);
    const [m1, m2, m3] = (box.store.folder(user, 'INBOX')?.entries ?? []).map((e) => e.message);
    // Before CONDSTORE is enabled the implicit \Seen comes with FLAGS alone (RFC 3501 §6.4.5).
    expect((await c.command('A1', 'FETCH 1 BODY[TEXT]'))[0]).toMatch(/\n FLAGS \(\\Seen \\Recent\)\)$/);
    await c.command('A2', 'ENABLE CONDSTORE');
    const [line] = await c.command('A3', 'FETCH 2 BODY[TEXT]');
    expect(line).toMatch(new RegExp(`\\n FLAGS \\(\\\\Seen \\\\Recent\\) UID 2 MODSEQ \\(${m2?.modseq}\\)\\)$`));
    // Asked for already, UID and MODSEQ are not repeated.
    const [asked] = await c.command('A4', 'UID FETCH 3 (MODSEQ BODY[TEXT])');
    expect(asked).toMatch(new RegExp(`^\\* 3 FETCH \\(UID 3 MODSEQ \\(${m3?.modseq}\\) BODY\\[TEXT\\] `));
    expect(asked?.match(/UID|MODSEQ/g)).toEqual(['UID', 'MODSEQ']);
    expect(m1?.flags.has('\\Seen') && m2?.flags.has('\\Seen') && m3?.flags.has('\\Seen')).toBe(true);
    c.close();
  });
});
