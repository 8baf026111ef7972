import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../server/sandbox.js';
import { ImapBytesClient } from '../helpers/imap-bytes.js';
import { SmtpDialogue } from '../helpers/smtp-dialogue.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';
import { startLoggedSandbox, type CaptureLog } from '../smtp/capture-logger.js';

/** The log has one line per protocol session, with what it did, and never a message's content. */
describe('one log line per session', () => {
  let box: Sandbox;
  let log: CaptureLog;
  let port: (name: string) => number;
  const SECRET = 'body-text-that-must-not-be-logged';
  beforeAll(async () => {
    ({ box, log, port } = await startLoggedSandbox());
  });
  afterAll(async () => {
    await box?.stop(0);
  });

  it('SMTP, POP3 and IMAP each leave one line at info level, and no message content at any level', async () => {
    // One pooled connection: both messages in one session.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: port('smtp'), secure: false, ignoreTLS: true, pool: true, maxConnections: 1 });
    for (const n of [1, 2]) await transport.sendMail({ from: 'a@red.example', to: 'lines@blue.example', subject: `Lines ${n} ${SECRET}`, text: SECRET });
    transport.close();
    const smtp = await log.next('smtp session');
    expect(smtp).toMatchObject({ level: 'info', front: 'smtp', client: '127.0.0.1', messages: 2, transactions: 2 });
    expect(smtp.bytes).toBeGreaterThan(2 * SECRET.length);

    const pop = await Pop3Dialogue.open(port('pop3'));
    await pop.login('lines@blue.example');
    expect(await pop.command('DELE 1')).toMatch(/^\+OK/);
    await pop.command('QUIT');
    await pop.closed;
    expect(await log.next('pop3 session')).toMatchObject({ level: 'info', front: 'pop3', user: 'lines@blue.example', ended: 'quit', deleted: 1, commands: 4 });

    const imap = await ImapBytesClient.open(port('imap'), 'lines@blue.example');
    await imap.expectOk('SELECT INBOX');
    await imap.expectOk('FETCH 1 BODY[]');
    await imap.command('LOGOUT');
    expect(await log.next('imap session')).toMatchObject({ level: 'info', front: 'imap', user: 'lines@blue.example', ended: 'logout' });

    for (const what of ['smtp session', 'pop3 session', 'imap session']) expect(log.records.filter((r) => r.msg === what)).toHaveLength(1);
    // The logger runs at debug level here: still no subject or body anywhere.
    expect(JSON.stringify(log.records)).not.toContain(SECRET);
  });

  it('says how an SMTP session ended: QUIT, or the client just going', async () => {
    const mark = log.records.length;
    const polite = await SmtpDialogue.open(port('smtp'));
    expect((await polite.command('QUIT')).code).toBe(221);
    expect(await log.next('smtp session', mark)).toMatchObject({ ended: 'quit', transactions: 0 });
    const next = log.records.length;
    const abrupt = await SmtpDialogue.open(port('smtp'));
    abrupt.close();
    expect(await log.next('smtp session', next)).toMatchObject({ ended: 'closed' });
  });
});
