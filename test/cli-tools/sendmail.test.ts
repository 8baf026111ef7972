import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cutAtDotLine, parseSendmailArgs, sendmail } from '../../server/cli/sendmail.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { LETTERBOX, runInProcess, runShell } from './run-command.js';

/** The two fields sendmail adds to a message lacking them, at the end of its header block. */
const ADDED = /Date: (Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000\r\nMessage-ID: <[0-9a-f-]{36}@[^<>\s]+>\r\n(?=\r\n)/;

/** The stored text less the added Date and Message-ID, which must be there exactly once. */
function withoutAdded(raw: Buffer | undefined): string {
  const text = raw?.toString('utf8') ?? '';
  expect(text).toMatch(ADDED);
  const rest = text.replace(ADDED, '');
  expect(rest).not.toMatch(/^(Date|Message-ID):/im);
  return rest;
}

describe('letterbox sendmail', () => {
  let box: TestSandbox;
  let addr: string;
  beforeAll(async () => {
    box = await startTestSandbox({ pop3: null, imap: null, listen: null });
    addr = `127.0.0.1:${box.port('smtp')}`;
  });
  afterAll(() => box.stop(0));
  beforeEach(async () => {
    await box.store.clear();
  });
  const only = () => {
    expect(box.store.messages()).toHaveLength(1);
    return box.store.messages()[0]!;
  };
  /** The one message's stored bytes, read as the fronts read them. */
  const onlyRaw = () => box.store.readRaw(only().id);

  it("printf '…' | letterbox sendmail -t: recipients from the header, bare LF sent as CRLF, the rest intact", async () => {
    const script = `printf 'To: bob@blue.com\\nCc: carol@blue.com\\nSubject: x\\n\\nbody\\n.leading dot\\nlast line' | ${LETTERBOX} sendmail -t --smtp-addr ${addr}`;
    const result = await runShell(script);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const message = only();
    // The last line had no line break: SMTP's end of data gives it one.
    expect(withoutAdded(await box.store.readRaw(message.id))).toBe('To: bob@blue.com\r\nCc: carol@blue.com\r\nSubject: x\r\n\r\nbody\r\n.leading dot\r\nlast line\r\n');
    expect(message.envelope.rcptTo).toEqual(['bob@blue.com', 'carol@blue.com']);
  });

  it('recipients as arguments, sender from -f, as PHP mail() calls it (-oi -f)', async () => {
    const result = await runInProcess(sendmail, ['-oi', '-fapp@red.com', '--smtp-addr', addr, 'bob@blue.com', 'eve@blue.com'], 'Subject: no To header\n\nline\n.\nafter a lone dot\n');
    expect(result.status).toBe(0);
    const message = only();
    expect(message.envelope).toEqual({ mailFrom: 'app@red.com', rcptTo: ['bob@blue.com', 'eve@blue.com'] });
    // -oi: the lone dot is content, and it arrives as content.
    expect(withoutAdded(await box.store.readRaw(message.id))).toBe('Subject: no To header\r\n\r\nline\r\n.\r\nafter a lone dot\r\n');
  });

  it('without -i a lone dot ends the message', async () => {
    await runInProcess(sendmail, ['--smtp-addr', addr, 'bob@blue.com'], 'Subject: y\n\nkept\n.\nignored\n');
    expect(withoutAdded(await onlyRaw())).toBe('Subject: y\r\n\r\nkept\r\n');
  });

  it('-t adds header recipients to those given, each once; sender from From; the Bcc header is not sent', async () => {
    const head = 'From: "App" <app@red.com>\r\nTo: bob@blue.com\r\nBcc: audit@red.com,\r\n  legal@red.com\r\nSubject: z\r\nbcc: late@red.com\r\n';
    await runInProcess(sendmail, ['-t', '--smtp-addr', addr, 'BOB@blue.com', 'ops@red.com'], head + '\r\nBcc: in the body stays\r\n');
    const message = only();
    expect(message.envelope).toEqual({ mailFrom: 'app@red.com', rcptTo: ['BOB@blue.com', 'ops@red.com', 'audit@red.com', 'legal@red.com', 'late@red.com'] });
    expect(withoutAdded(await box.store.readRaw(message.id))).toBe('From: "App" <app@red.com>\r\nTo: bob@blue.com\r\nSubject: z\r\n\r\nBcc: in the body stays\r\n');
  });

  it('without -t a Bcc header is sent as written; a Date and Message-ID already there are kept', async () => {
    const text = 'Date: Tue, 1 Dec 2026 10:00:00 +0100\r\nMessage-ID: <mine@red.com>\r\nBcc: audit@red.com\r\nSubject: kept\r\n\r\nhi\r\n';
    await runInProcess(sendmail, ['--smtp-addr', addr, 'bob@blue.com'], text);
    expect((await onlyRaw())?.toString()).toBe(text);
  });

  it('a message of header fields only, without a final line break, gets the fields on lines of their own', async () => {
    await runInProcess(sendmail, ['-i', '--smtp-addr', addr, 'bob@blue.com'], 'Subject: only a header');
    expect((await onlyRaw())?.toString()).toMatch(/^Subject: only a header\r\nDate: [^\r\n]+\r\nMessage-ID: <[^\r\n]+>\r\n$/);
  });

  it('8-bit and UTF-8 content arrives byte for byte', async () => {
    const text = 'From: jörg@red.com\nTo: zoë@blue.com\nSubject: Grüße\nContent-Type: text/plain; charset=utf-8\n\nÜmlaute ✓\n';
    expect((await runInProcess(sendmail, ['-t', '--smtp-addr', addr], text)).status).toBe(0);
    const message = only();
    expect(withoutAdded(await box.store.readRaw(message.id))).toBe(text.replace(/\n/g, '\r\n'));
    expect(message.envelope.rcptTo).toEqual(['zoë@blue.com']);
  });

  it('reads LETTERBOX_SMTP_ADDR when no flag is given', async () => {
    const result = await runInProcess(sendmail, ['-t'], 'To: bob@blue.com\n\nvia env\n', { LETTERBOX_SMTP_ADDR: addr });
    expect(result.status).toBe(0);
    expect((await onlyRaw())?.toString()).toContain('via env');
  });

  it('-ti clustered, as scripts write it: header recipients, and a lone dot is content', async () => {
    const result = await runInProcess(sendmail, ['-ti', '--smtp-addr', addr], 'To: bob@blue.com\nSubject: ti\n\nline\n.\nstill here\n');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(withoutAdded(await onlyRaw())).toBe('To: bob@blue.com\r\nSubject: ti\r\n\r\nline\r\n.\r\nstill here\r\n');
  });

  it('-bs relays the SMTP session the caller speaks on standard input and output', async () => {
    const session = 'EHLO app.red.com\r\nMAIL FROM:<app@red.com>\r\nRCPT TO:<bob@blue.com>\r\nDATA\r\nSubject: bs\r\n\r\nhi\r\n.\r\nQUIT\r\n';
    const result = await runInProcess(sendmail, ['-bs', '-S', addr], session);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\r\n').map((line) => line.slice(0, 4)).filter((code) => /^\d{3} /.test(code))).toEqual(['220 ', '250 ', '250 ', '250 ', '354 ', '250 ', '221 ']);
    expect(only()).toMatchObject({ raw: Buffer.from('Subject: bs\r\n\r\nhi\r\n'), envelope: { mailFrom: 'app@red.com', rcptTo: ['bob@blue.com'] } });
  });

  it('-bs takes a session whose lines end in a bare LF, as Postfix\'s sendmail -bs does, and sends them with CRLF', async () => {
    const session = 'EHLO app.red.com\nMAIL FROM:<app@red.com>\nRCPT TO:<bob@blue.com>\nDATA\nSubject: bs-lf\n\n..dot\n.\nQUIT\n';
    const result = await runInProcess(sendmail, ['-bs', '-S', addr], session);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\r\n').map((line) => line.slice(0, 4)).filter((code) => /^\d{3} /.test(code))).toEqual(['220 ', '250 ', '250 ', '250 ', '354 ', '250 ', '221 ']);
    expect(only()).toMatchObject({ raw: Buffer.from('Subject: bs-lf\r\n\r\n.dot\r\n'), envelope: { mailFrom: 'app@red.com', rcptTo: ['bob@blue.com'] } });
  });

  it('fails with a usage status when there is no recipient', async () => {
    const result = await runInProcess(sendmail, ['--smtp-addr', addr], 'Subject: nobody\n\n');
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/no recipients/);
    expect(box.store.messages()).toHaveLength(0);
  });

  it('fails with a temporary status when nothing listens', async () => {
    const stopped = await startTestSandbox({ pop3: null, imap: null, listen: null });
    const port = stopped.port('smtp');
    await stopped.stop(0);
    const result = await runInProcess(sendmail, ['--smtp-addr', `127.0.0.1:${port}`, 'bob@blue.com'], 'Subject: x\n\n');
    expect(result.status).toBe(75);
    expect(result.stderr).toMatch(/cannot deliver/);
    const bs = await runInProcess(sendmail, ['-bs', '--smtp-addr', `127.0.0.1:${port}`], 'QUIT\r\n');
    expect(bs.status).toBe(75);
    expect(bs.stderr).toMatch(/cannot talk to/);
  });
});

describe('sendmail options', () => {
  it('parses clustered and attached values as sendmail does', () => {
    const args = parseSendmailArgs(['-t', '-i', '-f', 'a@b.c', '-F', 'Full Name', '-odi', '-oem', '-S', 'mail:2525', '--', '-odd@x.y'], {});
    expect(args).toMatchObject({ headerRecipients: true, dotEnds: false, sender: 'a@b.c', smtpAddr: { host: 'mail', port: 2525 }, recipients: ['-odd@x.y'] });
  });
  it('reads clustered letters as getopt does, a value-taking letter ending its cluster', () => {
    expect(parseSendmailArgs(['-ti', 'bob@blue.com'], {})).toMatchObject({ headerRecipients: true, dotEnds: false, recipients: ['bob@blue.com'] });
    expect(parseSendmailArgs(['-itfapp@red.com'], {})).toMatchObject({ headerRecipients: true, dotEnds: false, sender: 'app@red.com', recipients: [] });
    expect(parseSendmailArgs(['-tf', 'app@red.com', '-B', '8BITMIME', 'bob@blue.com'], {})).toMatchObject({ sender: 'app@red.com', recipients: ['bob@blue.com'] });
    expect(parseSendmailArgs(['-o', 'i', '-bm'], {})).toMatchObject({ dotEnds: false, smtpOnStdio: false });
    expect(parseSendmailArgs(['-bs'], {})).toMatchObject({ smtpOnStdio: true });
  });
  it('refuses an unknown letter, a missing value and a -b mode it cannot do', () => {
    expect(() => parseSendmailArgs(['-tz'], {})).toThrow('unknown option -z');
    expect(() => parseSendmailArgs(['-t', '-f'], {})).toThrow('-f needs a value');
    expect(() => parseSendmailArgs(['-bp'], {})).toThrow(/-bp is not supported/);
  });
  it('refuses an unknown long option', () => {
    expect(() => parseSendmailArgs(['--bogus'], {})).toThrow(/unknown option/);
  });
  it('cuts at a lone dot line only', () => {
    expect(cutAtDotLine(Buffer.from('a\n.b\n..\n.\nc')).toString()).toBe('a\n.b\n..\n');
    expect(cutAtDotLine(Buffer.from('.\r\nx')).toString()).toBe('');
  });
});
