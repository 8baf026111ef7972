/**
 * A release cannot be redirected: no address given to the API, and no sender taken
 * from a stored message, can add a line to the SMTP dialogue release holds with the
 * destination (RFC 5321 §2.3.8: CR and LF end a command). Asserted on the bytes the
 * loopback destination actually read.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../server/store/types.js';
import { createSmtpClient } from '../../server/relay/smtp-client.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startSink, type SmtpSink } from './smtp-sink.js';

const RAW = Buffer.from('From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: injection\r\n\r\nHi\r\n');

let dns: TestDnsServer;
let sink: SmtpSink;
let mx: TestSandbox;
let smarthost: TestSandbox;

beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  sink = await startSink();
  mx = await startTestSandbox({ releaseMx: true, releaseAllowPrivate: true, releaseAllow: ['blue.com'], dnsServer: dns.address, releasePort: sink.port, releaseRate: null });
  smarthost = await startTestSandbox({ releaseSmarthost: { host: '127.0.0.1', port: sink.port }, releaseAllowInsecure: true, releaseRate: null });
});
afterAll(async () => {
  await Promise.all([mx.stop(0), smarthost.stop(0), sink.close()]);
  await dns.close();
});

async function deliver(box: TestSandbox, mailFrom = 'alice@red.com'): Promise<StoredMessage> {
  return await box.store.deliver({ raw: RAW, envelope: { mailFrom, rcptTo: ['bob@blue.com'] } });
}

async function release(box: TestSandbox, id: string, to: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/message/${id}/release`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ To: to }),
  });
  return { status: response.status, text: await response.text() };
}

/** Lines that began an SMTP command on the wire (the message data is not among them: it is checked separately). */
const commandLines = (wire: string) => wire.split('\r\n').filter((line) => /^(MAIL|RCPT|DATA|RSET|QUIT|EHLO|HELO)\b/i.test(line));

describe('release recipients are read by the one mailbox check', () => {
  it('refuses a recipient that carries a second RCPT TO, and the destination hears nothing', async () => {
    const message = await deliver(mx);
    sink.clearWire();
    const before = sink.messages.length;
    const answer = await release(mx, message.id, ['bob@blue.com\r\nRCPT TO:<alice@blue.com>']);
    // The API's body decoder refuses a control character in any one-line field first.
    expect(answer).toEqual({ status: 400, text: JSON.stringify({ Error: '"To[0]" holds a control character (U+000d)' }) });
    expect(sink.wire()).toBe('');
    expect(sink.messages.length).toBe(before);
  });

  it('refuses control characters in every place a recipient can hold them', async () => {
    const message = await deliver(mx);
    sink.clearWire();
    for (const to of ['Bob\r\n <bob@blue.com>', '<bob@blue.com>\n', 'bob@blue.com\0', '\tbob@blue.com', 'bob@blue.com\u0085', 'bo\u200bb@blue.com', 'bob\x7f@blue.com']) {
      expect((await release(mx, message.id, [to])).status, JSON.stringify(to)).toBe(400);
    }
    expect(sink.wire()).toBe('');
  });

  it('still takes the forms Mailpit takes, and sends exactly the RCPT TO asked for', async () => {
    const message = await deliver(mx);
    sink.clearWire();
    expect(await release(mx, message.id, ['Bob <bob@blue.com>', ' carol@blue.com '])).toEqual({ status: 200, text: 'ok' });
    expect(commandLines(sink.wire()).filter((line) => line.startsWith('RCPT'))).toEqual(['RCPT TO:<bob@blue.com>', 'RCPT TO:<carol@blue.com>']);
  });

  it('refuses a stored sender that would break the smarthost MAIL FROM line', async () => {
    const message = await deliver(smarthost, 'alice@red.com>\r\nRCPT TO:<eve@evil.com');
    sink.clearWire();
    const answer = await release(smarthost, message.id, ['bob@blue.com']);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/^Failed: the sender "alice@red.com>\\u000d\\u000aRCPT TO:<eve@evil.com" cannot be used in MAIL FROM/);
    expect(sink.wire()).toBe('');
  });

  it('releases a message with the null reverse-path as MAIL FROM:<>', async () => {
    const message = await deliver(smarthost, '');
    sink.clearWire();
    expect(await release(smarthost, message.id, ['bob@blue.com'])).toEqual({ status: 200, text: 'ok' });
    expect(commandLines(sink.wire()).filter((line) => line.startsWith('MAIL'))).toEqual(['MAIL FROM:<>']);
  });

  /** A valid address with one or more control characters put anywhere in it, or around it. */
  const CONTROL = fc.constantFrom('\r', '\n', '\r\n', '\0', '\t', '\x0b', '\x1b', '\x7f', '\x85', '\u2060');
  const poisoned = fc
    .tuple(fc.constantFrom('bob@blue.com', 'Bob <bob@blue.com>', '<carol@blue.com>'), fc.array(fc.tuple(fc.nat(), CONTROL, fc.constantFrom('', 'RCPT TO:<alice@blue.com>', 'DATA', ' ')), { minLength: 1, maxLength: 3 }))
    .map(([address, inserts]) => inserts.reduce<string>((text, [at, control, tail]) => text.slice(0, at % (text.length + 1)) + control + tail + text.slice(at % (text.length + 1)), address));

  test.prop([fc.array(poisoned, { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom('bob@blue.com', 'dan@blue.com'), { maxLength: 2 })], { numRuns: 60 })(
    'any control character anywhere in any recipient: 400, and the destination hears nothing',
    async (bad, good) => {
      const message = mx.store.latest() ?? (await deliver(mx));
      sink.clearWire();
      const answer = await release(mx, message.id, [...good, ...bad]);
      expect(answer.status).toBe(400);
      // C0 and C1 controls are the body decoder's to refuse, other invisible ones the mailbox check's.
      expect(answer.text).toMatch(/holds a control character|^Invalid email address: /);
      expect(sink.wire()).toBe('');
    },
  );
});

describe('the SMTP client never writes a command line holding CR, LF or NUL', () => {
  const client = createSmtpClient({ keepAliveMs: 0, maxIdlePerTarget: 0 });
  const timeouts = { connect: 2_000, greeting: 2_000, command: 2_000, data: 2_000 };
  const send = (mailFrom: string, rcptTo: string[]) =>
    client.send({ target: { host: '127.0.0.1', port: sink.port, servername: 'sink.test', tls: 'opportunistic', verifyCertificate: false }, helo: 'red.test', mailFrom, rcptTo, data: RAW, timeouts });

  it.each([
    ['a recipient', 'alice@red.com', ['bob@blue.com\r\nRCPT TO:<alice@blue.com>']],
    ['a recipient with NUL', 'alice@red.com', ['bob@blue.com\0']],
    ['the sender', 'alice@red.com>\nRCPT TO:<alice@blue.com', ['bob@blue.com']],
  ])('refuses %s, sends no MAIL, RCPT or DATA, and fails the recipients for good', async (_what, mailFrom, rcptTo) => {
    sink.clearWire();
    const before = sink.messages.length;
    const result = await send(mailFrom, rcptTo);
    expect(result.recipients.map((r) => r.status)).toEqual(rcptTo.map(() => 'permanent'));
    expect(result.transcript.at(-1)).toBe('!! a command holding CR, LF or NUL was not sent');
    expect(commandLines(sink.wire()).filter((line) => !/^(EHLO|QUIT)\b/.test(line))).toEqual([]);
    expect(sink.messages.length).toBe(before);
  });
});
