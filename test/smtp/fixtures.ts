import { randomBytes } from 'node:crypto';

/** A message as an app would hand it over: envelope and exact bytes (CRLF line ends). */
export interface Fixture {
  name: string;
  from: string;
  to: string[];
  raw: Buffer;
  /** MAIL FROM parameters a raw dialogue must add (BODY=8BITMIME, SMTPUTF8). */
  mailParams: string;
}

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');

function base64Lines(data: Buffer): string[] {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines;
}

const plain: Fixture = {
  name: 'plain text',
  from: 'alice@red.example',
  to: ['bob@blue.example'],
  mailParams: '',
  raw: crlf([
    'From: Alice <alice@red.example>',
    'To: Bob <bob@blue.example>',
    'Subject: Plain hello',
    'Date: Sat, 28 Nov 2026 10:00:00 +0000',
    'Message-ID: <plain-1@red.example>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Hello Bob,',
    '',
    'just a plain line of text.',
  ]),
};

const alternativeWithAttachment: Fixture = {
  name: 'multipart/alternative with an attachment',
  from: 'alice@red.example',
  to: ['bob@blue.example', 'carol@blue.example'],
  mailParams: '',
  raw: crlf([
    'From: alice@red.example',
    'To: bob@blue.example',
    'Cc: carol@blue.example',
    'Subject: =?UTF-8?B?UmVwb3J0IOKAkyBRMw==?=',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The report is attached.',
    '--inner',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>The report is <b>attached</b>.</p>',
    '--inner--',
    '--outer',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    ...base64Lines(Buffer.from('%PDF-1.4\n' + 'x'.repeat(3000))),
    '--outer--',
  ]),
};

const eightBit: Fixture = {
  name: '8-bit UTF-8 body',
  from: 'alice@red.example',
  to: ['bob@blue.example'],
  mailParams: ' BODY=8BITMIME',
  raw: crlf([
    'From: alice@red.example',
    'To: bob@blue.example',
    'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße aus Köln — ½ € — 日本語 — 🙂',
  ]),
};

const smtpUtf8: Fixture = {
  name: 'SMTPUTF8 address',
  from: 'jörg@röd.example',
  to: ['björk@blå.example'],
  mailParams: ' SMTPUTF8 BODY=8BITMIME',
  raw: crlf([
    'From: Jörg <jörg@röd.example>',
    'To: björk@blå.example',
    'Subject: Ünïcödé everywhere (RFC 6532)',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Hej då!',
  ]),
};

const leadingDots: Fixture = {
  name: "lines that start with '.'",
  from: 'alice@red.example',
  to: ['bob@blue.example'],
  mailParams: '',
  raw: crlf(['From: alice@red.example', 'To: bob@blue.example', 'Subject: dots', '', '.', '..', '...', '.leading dot', '. space', 'end .', '.']),
};

const longLine: Fixture = {
  name: 'a 998-octet line',
  from: 'alice@red.example',
  to: ['bob@blue.example'],
  mailParams: '',
  // RFC 5322 §2.1.1: 998 octets is the longest line allowed, without the CRLF.
  raw: crlf(['From: alice@red.example', 'To: bob@blue.example', 'Subject: long line', '', 'L'.repeat(998), '.'.repeat(998)]),
};

const bigAttachment: Fixture = {
  name: 'a 5 MB attachment',
  from: 'alice@red.example',
  to: ['bob@blue.example'],
  mailParams: '',
  raw: crlf([
    'From: alice@red.example',
    'To: bob@blue.example',
    'Subject: big',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'See attachment.',
    '--b',
    'Content-Type: application/octet-stream; name="blob.bin"',
    'Content-Disposition: attachment; filename="blob.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    ...base64Lines(randomBytes(5 * 1024 * 1024)),
    '--b--',
  ]),
};

export const FIXTURES: readonly Fixture[] = [plain, alternativeWithAttachment, eightBit, smtpUtf8, leadingDots, longLine, bigAttachment];

/** A small plain message with a numbered subject, for volume tests. */
export function numbered(n: number, from = 'load@red.example', to = 'sink@blue.example'): Buffer {
  return crlf([`From: ${from}`, `To: ${to}`, `Subject: message ${n}`, `Message-ID: <n${n}@red.example>`, '', `body of message ${n}`]);
}

/** The id in a DATA reply such as "250 2.6.0 Ok: queued as <id>". */
export function queuedId(text: string): string {
  const match = /queued as ([0-9A-Za-z]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no message id in reply: ${text}`);
  return match[1];
}
