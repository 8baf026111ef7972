import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { loggedIn, type ImapLineClient } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

interface Mail {
  headers: string[];
  body?: string;
  /** INTERNALDATE, as YYYY-MM-DD. */
  arrived: string;
}

let users = 0;
/** A fresh login whose INBOX holds these messages in this order, selected. */
async function mailbox(mails: readonly Mail[]): Promise<{ c: ImapLineClient; user: string }> {
  const user = `sort${++users}@blue.com`;
  for (const mail of mails) {
    const raw = Buffer.from([...mail.headers, '', mail.body ?? 'body', ''].join('\r\n'));
    await box.store.deliver({ raw, envelope: { mailFrom: 'a@red.com', rcptTo: [user] }, receivedAt: new Date(`${mail.arrived}T12:00:00Z`) });
  }
  const c = await loggedIn(box.port('imap'), user);
  await c.command('S0', 'SELECT INBOX');
  return { c, user };
}

/** Three messages whose every sort key orders them differently from at least one other key. */
const THREE: Mail[] = [
  {
    headers: ['From: Yann <bob@x.org>', 'To: Carl <zoe@x.org>', 'Cc: mia@x.org', 'Subject: Re: [list] banana', 'Date: Tue, 2 Jan 2024 10:00:00 +0000'],
    body: 'short',
    arrived: '2024-01-03',
  },
  {
    // 23:00 at -0500 is 04:00 UTC the next day: DATE compares instants (RFC 5256 §2.2).
    headers: ['From: alice@x.org', 'To: Abe <yves@x.org>', 'Cc: ann@x.org', 'Subject: apple (fwd)', 'Date: Mon, 1 Jan 2024 23:00:00 -0500'],
    body: 'm'.repeat(500),
    arrived: '2024-01-01',
  },
  {
    headers: ['From: =?utf-8?q?Bea?= <carol@x.org>', 'To: dan@x.org', 'Subject: Fwd: cherry', 'Date: Wed, 3 Jan 2024 01:00:00 +0000'],
    body: 'l'.repeat(1000),
    arrived: '2024-01-02',
  },
];

const sortLine = async (c: ImapLineClient, criteria: string, search = 'ALL') => (await c.command('T', `SORT (${criteria}) UTF-8 ${search}`))[0];

describe('IMAP SORT (RFC 5256, RFC 5957)', () => {
  it('orders by every sort key, and REVERSE turns each around', async () => {
    const { c } = await mailbox(THREE);
    const expected: Record<string, string> = {
      ARRIVAL: '2 3 1',
      DATE: '2 1 3',
      SIZE: '1 2 3',
      FROM: '2 1 3',
      TO: '3 2 1',
      // A message without Cc sorts as the empty string, first.
      CC: '3 2 1',
      SUBJECT: '2 1 3',
      // The display name (decoded), else the address (RFC 5957 §3).
      DISPLAYFROM: '2 3 1',
      DISPLAYTO: '2 1 3',
    };
    for (const [key, order] of Object.entries(expected)) {
      expect(await sortLine(c, key), key).toBe(`* SORT ${order}`);
      expect(await sortLine(c, `REVERSE ${key}`), `REVERSE ${key}`).toBe(`* SORT ${order.split(' ').reverse().join(' ')}`);
    }
    expect(await c.command('A1', 'SORT (subject) us-ascii NOT FROM alice')).toEqual(['* SORT 1 3', 'A1 OK SORT completed']);
    expect(await c.command('A2', 'SORT (DATE) UTF-8 SUBJECT nothing-like-this')).toEqual(['* SORT', 'A2 OK SORT completed']);
    c.close();
  });

  it('breaks ties with the next key, then by sequence number (never reversed)', async () => {
    const { c } = await mailbox([
      { headers: ['Subject: Re: same', 'Date: Mon, 1 Jan 2024 10:00:00 +0000'], arrived: '2024-01-01' },
      { headers: ['Subject: same', 'Date: Mon, 1 Jan 2024 09:00:00 +0000'], arrived: '2024-01-01' },
      { headers: ['Subject: [fwd: SAME]', 'Date: Mon, 1 Jan 2024 10:00:00 +0000'], arrived: '2024-01-01' },
      { headers: ['Subject: other'], arrived: '2024-01-01' },
    ]);
    expect(await sortLine(c, 'SUBJECT')).toBe('* SORT 4 1 2 3');
    expect(await sortLine(c, 'SUBJECT DATE')).toBe('* SORT 4 2 1 3');
    expect(await sortLine(c, 'SUBJECT REVERSE DATE')).toBe('* SORT 4 1 3 2');
    expect(await sortLine(c, 'REVERSE ARRIVAL')).toBe('* SORT 1 2 3 4');
    // A message without Date sorts by its INTERNALDATE (noon on 1 January).
    expect(await sortLine(c, 'DATE')).toBe('* SORT 2 1 3 4');
    // A key named again changes nothing, however often it is repeated.
    expect(await sortLine(c, 'SUBJECT REVERSE SUBJECT DATE')).toBe('* SORT 4 2 1 3');
    expect(await sortLine(c, Array.from({ length: 5000 }, (_, i) => (i % 2 ? 'REVERSE SIZE' : 'ARRIVAL')).join(' '))).toBe('* SORT 3 1 2 4');
    c.close();
  });

  it('UID SORT answers with UIDs', async () => {
    const { c } = await mailbox(THREE);
    await c.command('D1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await c.command('D2', 'EXPUNGE');
    expect(await c.command('A1', 'UID SORT (REVERSE SIZE) UTF-8 ALL')).toEqual(['* SORT 3 2', 'A1 OK UID SORT completed']);
    expect(await c.command('A2', 'SORT (REVERSE SIZE) UTF-8 ALL')).toEqual(['* SORT 2 1', 'A2 OK SORT completed']);
    c.close();
  });
});

describe('IMAP ESORT and PARTIAL (RFC 5267, RFC 9394)', () => {
  it('SORT RETURN gives MIN and MAX in sort order, ALL as a set in sort order, COUNT and PARTIAL', async () => {
    const { c } = await mailbox(THREE);
    expect(await c.command('A1', 'SORT RETURN (MIN MAX COUNT) (ARRIVAL) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "A1") MIN 2 MAX 1 COUNT 3', 'A1 OK SORT completed']);
    expect(await c.command('A2', 'SORT RETURN (ALL) (REVERSE SIZE) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "A2") ALL 3,2,1', 'A2 OK SORT completed']);
    expect(await c.command('A3', 'SORT RETURN () (SIZE) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "A3") ALL 1:3', 'A3 OK SORT completed']);
    expect(await c.command('A4', 'UID SORT RETURN (PARTIAL 2:3) (ARRIVAL) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "A4") UID PARTIAL (2:3 3,1)', 'A4 OK UID SORT completed']);
    expect(await c.command('A5', 'SORT RETURN (COUNT) (ARRIVAL) UTF-8 FROM nobody')).toEqual(['* ESEARCH (TAG "A5") COUNT 0', 'A5 OK SORT completed']);
    c.close();
  });

  it('SEARCH RETURN (PARTIAL …): positions from the start or (RFC 9394) from the end, NIL past the result', async () => {
    const { c } = await mailbox([...THREE, ...THREE]);
    expect(await c.command('A1', 'SEARCH RETURN (PARTIAL 2:4) ALL')).toEqual(['* ESEARCH (TAG "A1") PARTIAL (2:4 2:4)', 'A1 OK SEARCH completed']);
    expect(await c.command('A2', 'SEARCH RETURN (PARTIAL 4:2) 1:2,4:6')).toEqual(['* ESEARCH (TAG "A2") PARTIAL (2:4 2,4:5)', 'A2 OK SEARCH completed']);
    expect(await c.command('A3', 'SEARCH RETURN (PARTIAL -1:-2) ALL')).toEqual(['* ESEARCH (TAG "A3") PARTIAL (-1:-2 5:6)', 'A3 OK SEARCH completed']);
    expect(await c.command('A4', 'SEARCH RETURN (PARTIAL 7:9 COUNT) ALL')).toEqual(['* ESEARCH (TAG "A4") PARTIAL (7:9 NIL) COUNT 6', 'A4 OK SEARCH completed']);
    expect(await c.command('A5', 'UID SEARCH RETURN (PARTIAL 1:1) FROM alice')).toEqual(['* ESEARCH (TAG "A5") UID PARTIAL (1:1 2)', 'A5 OK UID SEARCH completed']);
    c.close();
  });
});

describe('IMAP THREAD (RFC 5256 §3)', () => {
  const at = (day: number) => `Date: ${day} Jan 2024 10:00:00 +0000`;
  it('REFERENCES links replies, prunes dummies, gathers by subject and orders by sent date', async () => {
    const { c } = await mailbox([
      { headers: ['Message-ID: <a@x>', 'Subject: plans', at(1)], arrived: '2024-01-01' },
      { headers: ['Message-ID: <b@x>', 'In-Reply-To: <a@x>', 'Subject: Re: plans', at(3)], arrived: '2024-01-01' },
      { headers: ['Message-ID: <c@x>', 'References: <a@x>', 'Subject: Re: plans', at(2)], arrived: '2024-01-01' },
      // Two replies to a message not in the mailbox stay together under a dummy.
      { headers: ['Message-ID: <d@x>', 'References: <gone@x>', 'Subject: lunch', at(5)], arrived: '2024-01-01' },
      { headers: ['Message-ID: <e@x>', 'References: <gone@x> <d@x>', 'Subject: Re: lunch', at(6)], arrived: '2024-01-01' },
      { headers: ['Message-ID: <f@x>', 'References: <gone@x>', 'Subject: Re: lunch', at(4)], arrived: '2024-01-01' },
      // Not linked by references, but the same base subject: gathered under "plans".
      { headers: ['Message-ID: <g@x>', 'Subject: Fwd: plans', at(7)], arrived: '2024-01-01' },
      // A lone reply to a missing message is promoted to the top.
      { headers: ['Message-ID: <h@x>', 'In-Reply-To: <missing@x>', 'Subject: solo', at(8)], arrived: '2024-01-01' },
    ]);
    expect(await c.command('A1', 'THREAD REFERENCES UTF-8 ALL')).toEqual(['* THREAD (1 (3)(2)(7))((6)(4 5))(8)', 'A1 OK THREAD completed']);
    expect(await c.command('A2', 'THREAD REFERENCES UTF-8 NOT SUBJECT lunch')).toEqual(['* THREAD (1 (3)(2)(7))(8)', 'A2 OK THREAD completed']);
    expect(await c.command('A3', 'UID THREAD REFERENCES US-ASCII 4:5')).toEqual(['* THREAD (4 5)', 'A3 OK UID THREAD completed']);
    expect(await c.command('A4', 'THREAD REFERENCES UTF-8 SUBJECT nothing-like-this')).toEqual(['* THREAD', 'A4 OK THREAD completed']);
    c.close();
  });

  it('a reply chain thousands of messages long is one thread', async () => {
    const length = 3000;
    const { c } = await mailbox(
      Array.from({ length }, (_, i) => ({ headers: [`Message-ID: <chain${i}@x>`, ...(i > 0 ? [`In-Reply-To: <chain${i - 1}@x>`] : []), `Subject: Re: chain`, at(1)], arrived: '2024-01-01' })),
    );
    const numbers = Array.from({ length }, (_, i) => i + 1).join(' ');
    expect(await c.command('A1', 'THREAD REFERENCES UTF-8 ALL')).toEqual([`* THREAD (${numbers})`, 'A1 OK THREAD completed']);
    c.close();
  });

  it('ORDEREDSUBJECT: one thread per base subject, its first message the parent of the rest', async () => {
    const { c } = await mailbox([
      { headers: ['Subject: beta', at(4)], arrived: '2024-01-01' },
      { headers: ['Subject: Re: alpha', at(2)], arrived: '2024-01-01' },
      { headers: ['Subject: alpha', at(3)], arrived: '2024-01-01' },
      { headers: ['Subject: Re: beta', at(5)], arrived: '2024-01-01' },
      { headers: ['Subject: RE: Alpha', at(1)], arrived: '2024-01-01' },
      { headers: ['Subject: gamma', at(6)], arrived: '2024-01-01' },
    ]);
    expect(await c.command('A1', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).toEqual(['* THREAD (5 (2)(3))(1 4)(6)', 'A1 OK THREAD completed']);
    c.close();
  });
});

describe('IMAP WITHIN (RFC 5032)', () => {
  it('YOUNGER and OLDER compare INTERNALDATE with now', async () => {
    const user = `sort${++users}@blue.com`;
    const now = Date.now();
    for (const ago of [3 * 86_400_000, 60_000]) {
      await box.store.deliver({ raw: Buffer.from('Subject: x\r\n\r\nx\r\n'), envelope: { mailFrom: 'a@red.com', rcptTo: [user] }, receivedAt: new Date(now - ago) });
    }
    const c = await loggedIn(box.port('imap'), user);
    await c.command('S0', 'SELECT INBOX');
    expect(await c.command('A1', 'SEARCH YOUNGER 3600')).toEqual(['* SEARCH 2', 'A1 OK SEARCH completed']);
    expect(await c.command('A2', 'SEARCH OLDER 86400')).toEqual(['* SEARCH 1', 'A2 OK SEARCH completed']);
    expect(await c.command('A3', 'SORT (REVERSE ARRIVAL) UTF-8 YOUNGER 604800')).toEqual(['* SORT 2 1', 'A3 OK SORT completed']);
    c.close();
  });
});

describe('SORT, THREAD and PARTIAL refuse bad input and keep the connection', () => {
  it.each([
    ['SORT (BOGUS) UTF-8 ALL', 'BAD'],
    ['SORT () UTF-8 ALL', 'BAD'],
    ['SORT (DATE) ALL', 'BAD'],
    ['SORT (REVERSE) UTF-8 ALL', 'BAD'],
    ['SORT DATE UTF-8 ALL', 'BAD'],
    ['SORT (DATE) UTF-8', 'BAD'],
    ['SORT (DATE) KOI8-R ALL', 'NO [BADCHARSET (UTF-8 US-ASCII)]'],
    ['SORT RETURN (SAVE) (DATE) UTF-8 ALL', 'BAD'],
    ['SEARCH RETURN (PARTIAL 1:99999999999) ALL', 'BAD'],
    ['SEARCH RETURN (PARTIAL 0:5) ALL', 'BAD'],
    ['SEARCH RETURN (PARTIAL 1:*) ALL', 'BAD'],
    ['SEARCH RETURN (PARTIAL -1:5) ALL', 'BAD'],
    ['SEARCH RETURN (PARTIAL 1) ALL', 'BAD'],
    ['SEARCH RETURN (PARTIAL 1:2 ALL) ALL', 'BAD'],
    ['SEARCH YOUNGER soon', 'BAD'],
    ['THREAD BOGUS UTF-8 ALL', 'BAD'],
    ['THREAD REFERENCES ALL', 'BAD'],
    ['THREAD REFERENCES KOI8-R ALL', 'NO [BADCHARSET (UTF-8 US-ASCII)]'],
  ])('%s → %s', async (line, status) => {
    const { c } = await mailbox(THREE);
    const reply = await c.command('B1', line);
    expect(reply.at(-1)).toMatch(new RegExp(`^B1 ${status.replace(/[[\]()]/g, '\\$&')} `));
    expect(reply.filter((l) => l.startsWith('* SORT') || l.startsWith('* THREAD') || l.startsWith('* ESEARCH'))).toEqual([]);
    expect(await c.command('B2', 'NOOP')).toEqual(['B2 OK NOOP completed']);
    c.close();
  });

  it('SORT and THREAD need a selected mailbox', async () => {
    const c = await loggedIn(box.port('imap'), `sort${++users}@blue.com`);
    expect((await c.command('A1', 'SORT (DATE) UTF-8 ALL')).at(-1)).toMatch(/^A1 BAD /);
    expect((await c.command('A2', 'THREAD REFERENCES UTF-8 ALL')).at(-1)).toMatch(/^A2 BAD /);
    const caps = (await c.command('A3', 'CAPABILITY'))[0] ?? '';
    for (const cap of ['SORT', 'SORT=DISPLAY', 'ESORT', 'PARTIAL', 'THREAD=REFERENCES', 'THREAD=ORDEREDSUBJECT', 'WITHIN']) expect(caps.split(' ')).toContain(cap);
    c.close();
  });
});
