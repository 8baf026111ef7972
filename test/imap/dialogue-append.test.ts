import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { storedBytes } from '../helpers/stored-bytes.js';
import { loggedIn } from './imap-client.js';

/** A small literal limit, so TOOBIG is cheap to reach. */
const LIMIT = 2048;

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox({ imapMaxLiteral: LIMIT });
});
afterAll(() => box.stop(0));

/** A non-synchronising literal (RFC 7888) holding `text`. */
const lit = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;

const ONE = 'From: one@example.test\r\nSubject: one\r\n\r\nfirst body\r\n';
const TWO = 'From: two@example.test\r\nSubject: two\r\n\r\nsecond body\r\n';

/** Files exact bytes in a recipient's INBOX, as SMTP would. */
async function deliverRaw(to: string, raw: string): Promise<void> {
  await box.store.deliver({ raw: Buffer.from(raw), envelope: { mailFrom: 'sender@red.com', rcptTo: [to] } });
}

async function folderTexts(user: string, name: string): Promise<string[]> {
  return (await storedBytes(box.store, (box.store.folder(user, name)?.entries ?? []).map((e) => e.message))).map(String);
}

describe('MULTIAPPEND (RFC 3502)', () => {
  it('stores every message, with its own flags and date, and answers APPENDUID with a UID set', async () => {
    const user = 'multi@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    expect((await c.command('A0', 'CAPABILITY'))[0]).toContain(' MULTIAPPEND ');
    await c.command('A1', 'CREATE Batch');
    const folder = box.store.folder(user, 'Batch');
    expect(await c.command('A2', `APPEND Batch (\\Seen) ${lit(ONE)} (\\Flagged) "07-Feb-1994 21:52:25 -0800" ${lit(TWO)}`)).toEqual([`A2 OK [APPENDUID ${folder?.uidValidity} 1:2] APPEND completed`]);
    expect(await folderTexts(user, 'Batch')).toEqual([ONE, TWO]);
    const [first, second] = folder?.entries ?? [];
    expect([...(first?.message.flags ?? [])]).toEqual(['\\Seen']);
    expect([...(second?.message.flags ?? [])]).toEqual(['\\Flagged']);
    expect(second?.message.receivedAt.toISOString()).toBe('1994-02-08T05:52:25.000Z');
    c.close();
  });

  it('is all or nothing: a second message too big, empty or malformed leaves the first unstored', async () => {
    const user = 'multi-fail@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    // The second literal is announced past the limit: refused before its bytes are read (RFC 7889).
    c.write(`B1 APPEND Drafts ${lit(ONE)} {${LIMIT + 1}}\r\n`);
    expect(await c.line()).toBe('B1 NO [TOOBIG] Literal too large');
    expect(await c.command('B2', `APPEND Drafts ${lit(ONE)} ${lit('')}`)).toEqual(['B2 NO Empty message']);
    expect(await c.command('B3', `APPEND Drafts ${lit(ONE)} (\\Bogus) ${lit(TWO)}`)).toEqual(['B3 BAD APPEND: unknown system flag \\Bogus']);
    expect(await c.command('B4', `APPEND nowhere ${lit(ONE)} ${lit(TWO)}`)).toEqual(['B4 NO [TRYCREATE] No mailbox nowhere']);
    expect(await folderTexts(user, 'Drafts')).toEqual([]);
    expect(await c.command('B5', 'NOOP')).toEqual(['B5 OK NOOP completed']);
    c.close();
  });
});

describe('CATENATE (RFC 4469) with IMAP URLs (RFC 5092)', () => {
  const SOURCE = 'From: src@example.test\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nalpha\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>beta</p>\r\n--b--\r\n';

  it('joins TEXT literals and URL parts: whole message, HEADER, a part, its MIME header, a partial range', async () => {
    const user = 'cat@blue.com';
    await deliverRaw(user, SOURCE);
    const c = await loggedIn(box.port('imap'), user);
    expect((await c.command('A0', 'CAPABILITY'))[0]).toContain(' CATENATE ');
    const inbox = box.store.folder(user, 'INBOX');
    const drafts = box.store.folder(user, 'Drafts');
    const v = inbox?.uidValidity;
    expect(await c.command('A1', `APPEND Drafts CATENATE (URL "/INBOX;UIDVALIDITY=${v}/;UID=1/;SECTION=HEADER" TEXT ${lit('new body\r\n')})`)).toEqual([`A1 OK [APPENDUID ${drafts?.uidValidity} 1] APPEND completed`]);
    expect(await c.command('A2', `APPEND Drafts CATENATE (TEXT ${lit('X: 1\r\n')} URL "/INBOX/;UID=1/;SECTION=2.MIME" URL "/INBOX/;uid=1/;section=2")`)).toEqual([`A2 OK [APPENDUID ${drafts?.uidValidity} 2] APPEND completed`]);
    expect(await c.command('A3', `APPEND Drafts (\\Seen) CATENATE (URL "imap://cat%40blue.com@localhost/INBOX/;UID=1/;PARTIAL=6.16")`)).toEqual([`A3 OK [APPENDUID ${drafts?.uidValidity} 3] APPEND completed`]);
    // MULTIAPPEND of a CATENATE and a plain literal.
    expect(await c.command('A4', `APPEND Drafts CATENATE (URL "/INBOX/;UID=1") ${lit(ONE)}`)).toEqual([`A4 OK [APPENDUID ${drafts?.uidValidity} 4:5] APPEND completed`]);
    const header = SOURCE.slice(0, SOURCE.indexOf('\r\n\r\n') + 4);
    expect(await folderTexts(user, 'Drafts')).toEqual([header + 'new body\r\n', 'X: 1\r\nContent-Type: text/html\r\n\r\n<p>beta</p>', 'src@example.test', SOURCE, ONE]);
    c.close();
  });

  it('a URL names its mailbox in percent-encoded UTF-8 (RFC 5092 §3.3) and may take HEADER.FIELDS', async () => {
    const user = 'cat-utf8@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    expect(await c.command('A1', 'CREATE "R&AOk-sum&AOk-"')).toEqual(['A1 OK CREATE completed']);
    expect(await c.command('A2', `APPEND "R&AOk-sum&AOk-" ${lit(SOURCE)}`)).toEqual([expect.stringMatching(/^A2 OK \[APPENDUID \d+ 1\] APPEND completed$/)]);
    expect(await c.command('A3', `APPEND Drafts CATENATE (URL "/R%C3%A9sum%C3%A9/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)" TEXT ${lit('body\r\n')})`)).toEqual([expect.stringMatching(/^A3 OK \[APPENDUID \d+ 1\] APPEND completed$/)]);
    expect(await folderTexts(user, 'Drafts')).toEqual(['Subject: parts\r\n\r\nbody\r\n']);
    c.close();
  });

  it('a URL to another account, a missing message or a stale UIDVALIDITY is NO [BADURL], and nothing is stored', async () => {
    const user = 'cat-bad@blue.com';
    await deliverRaw(user, SOURCE);
    await deliverRaw('alice@blue.com', SOURCE);
    const c = await loggedIn(box.port('imap'), user);
    const v = box.store.folder(user, 'INBOX')?.uidValidity ?? 0;
    const refused = [
      'imap://alice%40blue.com@localhost/INBOX/;UID=1',
      'imap://localhost/INBOX/;UID=1',
      '/INBOX/;UID=9',
      `/INBOX;UIDVALIDITY=${v + 1}/;UID=1`,
      '/nowhere/;UID=1',
      '/INBOX/;UID=1/;SECTION=BOGUS',
      '/INBOX/;UID=1/;URLAUTH=anonymous',
      '/INBOX/;UID=%zz',
      'INBOX/;UID=1',
    ];
    for (const [i, url] of refused.entries()) {
      expect(await c.command(`U${i}`, `APPEND Drafts CATENATE (TEXT ${lit('H: 1\r\n\r\n')} URL "${url}")`)).toEqual([`U${i} NO [BADURL ${url}] CATENATE URL names no message of this account`]);
    }
    // RFC 3502: one bad message of a MULTIAPPEND refuses the others too.
    expect(await c.command('M1', `APPEND Drafts ${lit(ONE)} CATENATE (URL "/INBOX/;UID=9")`)).toEqual(['M1 NO [BADURL /INBOX/;UID=9] CATENATE URL names no message of this account']);
    expect(await folderTexts(user, 'Drafts')).toEqual([]);
    c.close();
  });

  it('bounds: past the size limit is NO [TOOBIG]; too many parts, an empty list or an unknown part is BAD', async () => {
    const user = 'cat-bounds@blue.com';
    await deliverRaw(user, `Subject: big\r\n\r\n${'x'.repeat(LIMIT - 100)}\r\n`);
    const c = await loggedIn(box.port('imap'), user);
    expect(await c.command('T1', 'APPEND Drafts CATENATE (URL "/INBOX/;UID=1" URL "/INBOX/;UID=1")')).toEqual([`T1 NO [TOOBIG] Message larger than ${LIMIT} bytes`]);
    const many = Array.from({ length: 101 }, () => 'URL "/INBOX/;UID=1/;SECTION=HEADER"').join(' ');
    expect(await c.command('T2', `APPEND Drafts CATENATE (${many})`)).toEqual(['T2 BAD APPEND: at most 100 CATENATE parts']);
    expect(await c.command('T3', 'APPEND Drafts CATENATE ()')).toEqual(['T3 BAD APPEND: empty list']);
    expect(await c.command('T4', 'APPEND Drafts CATENATE (FILE "x")')).toEqual(['T4 BAD APPEND: expected TEXT or URL']);
    expect(await folderTexts(user, 'Drafts')).toEqual([]);
    // RFC 5092 §3: a URL is printable; NUL or a bare CR is refused, not echoed in BADURL.
    expect(await c.command('T6', `APPEND Drafts CATENATE (URL {7+}\r\n/\0/;U=1)`)).toEqual(['T6 BAD APPEND: CATENATE URL holds a control character']);
    expect(await c.command('T7', `APPEND Drafts CATENATE (URL {7+}\r\n/\r/;U=1)`)).toEqual(['T7 BAD APPEND: CATENATE URL holds a control character']);
    expect(await c.command('T8', `APPEND Drafts CATENATE (URL "${'/'.repeat(8193)}")`)).toEqual(['T8 BAD APPEND: CATENATE URL longer than 8192 characters']);
    expect(await c.command('T5', 'NOOP')).toEqual(['T5 OK NOOP completed']);
    c.close();
  });
});

describe('dates that name no day or time are BAD, not rolled over (RFC 3501 §9 date, date-time)', () => {
  it('in APPEND, and in SEARCH; a year below 100 is that year, a leap day and a leap second are taken', async () => {
    const user = 'dates@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    const append = (tag: string, date: string) => c.command(tag, `APPEND INBOX "${date}" ${lit('Subject: d\r\n\r\nx\r\n')}`);
    const refused: Array<[string, string]> = [
      ['31-Feb-2024 10:00:00 +0000', 'no day 31 in Feb 2024'],
      ['29-Feb-2023 10:00:00 +0000', 'no day 29 in Feb 2023'],
      ['99-Jan-2024 10:00:00 +0000', 'no day 99 in Jan 2024'],
      [' 0-Jan-2024 10:00:00 +0000', 'no day 0 in Jan 2024'],
      [' 1-Jan-2024 24:00:00 +0000', 'bad time 24:00:00'],
      [' 1-Jan-2024 25:61:99 +0000', 'bad time 25:61:99'],
      [' 1-Jan-2024 10:00:61 +0000', 'bad time 10:00:61'],
      [' 1-Jan-2024 10:00:00 +9999', 'bad zone +9999'],
      [' 1-Jan-2024 10:00:00 -0060', 'bad zone -0060'],
      [' 1-Jan-0000 00:30:00 +0100', 'date-time out of range'],
    ];
    for (const [i, [date, text]] of refused.entries()) expect(await append(`A${i}`, date)).toEqual([`A${i} BAD APPEND: ${text}`]);
    for (const [i, date] of ['29-Feb-2024 10:00:00 +0000', ' 1-Jan-0050 10:00:00 +0000', '31-Dec-2016 23:59:60 +0000'].entries()) {
      expect((await append(`B${i}`, date)).at(-1)).toMatch(new RegExp(`^B${i} OK \\[APPENDUID \\d+ ${i + 1}\\]`));
    }
    await c.command('S0', 'SELECT INBOX');
    expect(await c.command('F1', 'FETCH 1:* INTERNALDATE')).toEqual([
      '* 1 FETCH (INTERNALDATE "29-Feb-2024 10:00:00 +0000")',
      '* 2 FETCH (INTERNALDATE "01-Jan-0050 10:00:00 +0000")',
      // As POSIX time counts a leap second: the next second.
      '* 3 FETCH (INTERNALDATE "01-Jan-2017 00:00:00 +0000")',
      'F1 OK FETCH completed',
    ]);
    expect(await c.command('S1', 'SEARCH SENTON 31-Feb-2024')).toEqual(['S1 BAD SEARCH: no day 31 in Feb 2024']);
    expect(await c.command('S2', 'UID SEARCH BEFORE 0-Jan-2024')).toEqual(['S2 BAD UID SEARCH: no day 0 in Jan 2024']);
    expect(await c.command('S3', 'SEARCH SINCE "31-Apr-2024"')).toEqual(['S3 BAD SEARCH: no day 31 in Apr 2024']);
    expect(await c.command('S4', 'SEARCH ON 1-Jan-0050')).toEqual(['* SEARCH 2', 'S4 OK SEARCH completed']);
    expect(await c.command('S5', 'SEARCH ON 29-Feb-2024')).toEqual(['* SEARCH 1', 'S5 OK SEARCH completed']);
    c.close();
  });
});
