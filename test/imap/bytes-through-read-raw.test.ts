import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImapBytesClient } from '../helpers/imap-bytes.js';
import { ReadRawWatch } from '../helpers/read-raw-watch.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/**
 * The IMAP front reads a message's bytes only through `MailStore.readRaw`, as a store
 * keeping bodies outside the process needs: a read of a stored message's bytes from
 * IMAP code outside readRaw fails the test. readRaw counts its calls, so commands that
 * need no bytes can be seen to read none.
 */
const USER = 'reader@blue.com';

function crlf(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'));
}

const MESSAGES = [
  crlf(['From: Zed <zed@red.com>', `To: ${USER}`, 'Subject: alpha', 'Message-ID: <a@red.com>', 'X-Tag: blue', '', 'the quick brown fox', '']),
  crlf([
    'From: Amy <amy@red.com>',
    `To: ${USER}`,
    'Subject: Re: alpha',
    'Message-ID: <b@red.com>',
    'In-Reply-To: <a@red.com>',
    'References: <a@red.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary=cut',
    '',
    '--cut',
    'Content-Type: text/plain',
    '',
    'see the attached note',
    '--cut',
    'Content-Type: application/octet-stream; name=note.bin',
    'Content-Transfer-Encoding: base64',
    '',
    'AQIDBA==',
    '--cut--',
    '',
  ]),
  crlf(['From: Bob <bob@red.com>', `To: ${USER}`, 'Subject: gamma', 'Message-ID: <c@red.com>', '', 'over the lazy dog', '']),
];

let box: TestSandbox;
let watch: ReadRawWatch;
const ids: string[] = [];
const readsOf = <T>(run: () => Promise<T>) => watch.readsOf(run);

beforeAll(async () => {
  box = await startTestSandbox();
  // Before any message arrives, so each is watched before IMAP hears of it.
  watch = new ReadRawWatch(box.store, /[\\/]server[\\/]imap[\\/]/);
  for (const raw of MESSAGES) ids.push((await deliver(raw)).id);
});
afterAll(() => box.stop(0));
afterEach(() => expect(watch.strayReads.splice(0)).toEqual([]));

function deliver(raw: Buffer) {
  return box.store.deliver({ raw, envelope: { mailFrom: 'a@red.com', rcptTo: [USER] } });
}

/** A command's whole response, as text; it must end OK. */
async function answer(c: ImapBytesClient, command: string): Promise<string> {
  return (await c.expectOk(command)).toString('latin1');
}

describe('IMAP reads message bytes through store.readRaw only', () => {
  it('FETCH, SEARCH, SORT and THREAD give the same answers, reading bytes only when they need them', async () => {
    const c = await ImapBytesClient.open(box.port('imap'), USER);
    try {
      const flags = await readsOf(() => c.expectOk('FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)'));
      expect(flags.read).toEqual([]);
      expect(flags.result.toString('latin1')).toContain(`RFC822.SIZE ${MESSAGES[1]?.length}`);
      expect((await readsOf(() => c.expectOk('SEARCH UNSEEN LARGER 10 SINCE 1-Jan-2000'))).read).toEqual([]);
      expect((await readsOf(() => c.expectOk('SORT (SIZE) UTF-8 ALL'))).read).toEqual([]);

      const whole = await readsOf(() => c.expectOk('FETCH 2 (BODY.PEEK[])'));
      expect(whole.read).toEqual([ids[1]]);
      expect(ImapBytesClient.literalAfter(whole.result, 'BODY[]').equals(MESSAGES[1] as Buffer)).toBe(true);
      expect(ImapBytesClient.literalAfter(await c.expectOk('FETCH 2 (BINARY.PEEK[2])'), 'BINARY[2]')).toEqual(Buffer.from([1, 2, 3, 4]));

      const structure = await readsOf(() => c.expectOk('FETCH 1:3 (ENVELOPE BODYSTRUCTURE)'));
      expect(structure.read.sort()).toEqual([...ids].sort());
      expect(structure.result.toString('latin1')).toMatch(/ENVELOPE \(NIL "Re: alpha" \(\("Amy" NIL "amy" "red.com"\)\)/);
      expect(structure.result.toString('latin1')).toContain('("application" "octet-stream" ("name" "note.bin") NIL NIL "base64" 8');
      // Kept with the message once made: a second FETCH of them reads no bytes.
      expect((await readsOf(() => c.expectOk('FETCH 1:3 (ENVELOPE BODYSTRUCTURE)'))).read).toEqual([]);

      expect(await answer(c, 'SEARCH HEADER X-Tag blue')).toContain('* SEARCH 1\r\n');
      expect(await answer(c, 'SEARCH BODY "lazy dog"')).toContain('* SEARCH 3\r\n');
      expect(await answer(c, 'SEARCH FROM amy')).toContain('* SEARCH 2\r\n');
      expect(await answer(c, 'SORT (FROM) UTF-8 ALL')).toContain('* SORT 2 3 1\r\n');
      expect(await answer(c, 'THREAD REFERENCES UTF-8 ALL')).toContain('* THREAD (1 2)(3)\r\n');
      // RFC 4469 CATENATE of a stored message's section, into another folder.
      const catenated = await readsOf(() => answer(c, 'APPEND Drafts CATENATE (URL "/INBOX/;UID=1/;SECTION=HEADER" TEXT {6+}\r\nhello\n)'));
      expect(catenated.read).toEqual([ids[0]]);
      const draft = box.store.folder(USER, 'Drafts')?.entries[0]?.message;
      expect(draft && (await box.store.readRaw(draft.id))?.toString('latin1')).toBe(`${(MESSAGES[0] as Buffer).toString('latin1').split('\r\n\r\n')[0]}\r\n\r\nhello\n`);
    } finally {
      c.close();
    }
  });

  it('imapflow fetches sources, envelopes and structures and searches bodies and headers', async () => {
    const flow = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user: USER, pass: 'x' }, logger: false });
    await flow.connect();
    try {
      await flow.mailboxOpen('INBOX');
      const fetched = [];
      for await (const m of flow.fetch('1:*', { uid: true, envelope: true, bodyStructure: true, source: true })) fetched.push(m);
      expect(fetched.map((m) => m.source)).toEqual(MESSAGES);
      expect(fetched.map((m) => m.envelope?.from?.[0]?.address)).toEqual(['zed@red.com', 'amy@red.com', 'bob@red.com']);
      expect(fetched[1]?.bodyStructure?.childNodes?.map((n) => n.type)).toEqual(['text/plain', 'application/octet-stream']);
      expect(await flow.search({ body: 'quick brown' })).toEqual([1]);
      expect(await flow.search({ header: { 'message-id': '<c@red.com>' } })).toEqual([3]);
    } finally {
      await flow.logout();
    }
  });

  it("NOTIFY's MessageNew FETCH of a section reads the new message's bytes once", async () => {
    const c = await ImapBytesClient.open(box.port('imap'), USER);
    try {
      await c.expectOk('NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge))');
      const { read, result } = await readsOf(async () => {
        const id = (await deliver(crlf(['From: Eve <eve@red.com>', `To: ${USER}`, 'Subject: delta', '', 'news', '']))).id;
        return { id, text: await answer(c, 'NOOP') };
      });
      expect(read).toEqual([result.id]);
      expect(result.text).toMatch(/^\* 4 EXISTS\r\n(\* 1 RECENT\r\n)?\* 4 FETCH \(UID 4 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{18\}\r\nSubject: delta\r\n\r\n\)\r\n/);
    } finally {
      c.close();
    }
  });

  it('a mailbox of more messages than one window of bytes is fetched, searched and sorted whole, each read once', async () => {
    const user = 'many@blue.com';
    const count = 600;
    const many: string[] = [];
    for (let i = 1; i <= count; i++) {
      const raw = crlf([`From: s${(i * 7) % count}@red.com`, `To: ${user}`, `Subject: n${i}`, '', `body ${i}`, '']);
      many.push((await box.store.deliver({ raw, envelope: { mailFrom: 'a@red.com', rcptTo: [user] } })).id);
    }
    const c = await ImapBytesClient.open(box.port('imap'), user);
    try {
      const fetched = await readsOf(() => answer(c, 'FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])'));
      expect(fetched.read).toEqual(many);
      const subjects = [...fetched.result.matchAll(/\* (\d+) FETCH \(BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: n(\d+)\r\n/g)];
      expect(subjects.map((m) => [Number(m[1]), Number(m[2])])).toEqual(many.map((_, n) => [n + 1, n + 1]));
      expect(await answer(c, 'SEARCH BODY "body 599"')).toContain('* SEARCH 599\r\n');
      const sorted = /\* SORT ([\d ]+)\r\n/.exec(await answer(c, 'SORT (FROM) UTF-8 ALL'))?.[1]?.split(' ').map(Number);
      // RFC 5256 §2.2: the first From's mailbox, compared as octets; ties by sequence number.
      const mailbox = (seq: number) => `S${(seq * 7) % count}`;
      const expected = many.map((_, n) => n + 1).sort((a, b) => (mailbox(a) < mailbox(b) ? -1 : mailbox(a) > mailbox(b) ? 1 : a - b));
      expect(sorted).toEqual(expected);
    } finally {
      c.close();
    }
  });

  it('a message removed from the store before its bytes are read is left out, and FETCH says EXPUNGEISSUED', async () => {
    const c = await ImapBytesClient.open(box.port('imap'), USER);
    try {
      await box.store.remove([ids[2] as string], 'deleted');
      // Sequence-number commands hold the expunge back (RFC 3501 §7.4.1): message 3 is still numbered.
      const fetched = await c.command('FETCH 1:3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
      expect(fetched.status).toBe('NO [EXPUNGEISSUED] Some of the requested messages no longer exist (expunged by another session)');
      const text = fetched.bytes.toString('latin1');
      expect(text).toContain('* 1 FETCH');
      expect(text).toContain('* 2 FETCH');
      expect(text).not.toContain('* 3 FETCH');
      expect(await answer(c, 'FETCH 3 (FLAGS)')).toContain('* 3 FETCH (FLAGS ())');
      expect(await answer(c, 'SEARCH BODY "lazy dog"')).toContain('* SEARCH\r\n');
      expect(await answer(c, 'NOOP')).toContain('* 3 EXPUNGE\r\n');
    } finally {
      c.close();
    }
  });
});
