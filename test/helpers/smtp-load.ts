import { queuedId, SmtpDialogue } from './smtp-dialogue.js';

export interface Envelope {
  from: string;
  to: string;
}

/**
 * Sends one message on an open session with the envelope pipelined (RFC 2920): MAIL,
 * RCPT and DATA in one write, then the data. `raw` ends in CRLF and has no line
 * starting with a dot. Resolves with the id of the 250, rejects on any other reply.
 */
export async function sendPipelined(smtp: SmtpDialogue, raw: Buffer, envelope: Envelope): Promise<string> {
  smtp.write(`MAIL FROM:<${envelope.from}>\r\nRCPT TO:<${envelope.to}>\r\nDATA\r\n`);
  const codes = [(await smtp.reply()).code, (await smtp.reply()).code, (await smtp.reply()).code];
  if (codes.join() !== '250,250,354') throw new Error(`envelope answered ${codes.join()}`);
  smtp.write(Buffer.concat([raw, DOT]));
  const reply = await smtp.reply();
  if (reply.code !== 250) throw new Error(`data answered ${reply.lines.join(' | ')}`);
  return queuedId(reply);
}
const DOT = Buffer.from('.\r\n');

/** A message of about `size` bytes (a plain-text body of repeated lines) with this subject. */
export function messageOf(subject: string, size = 2048): Buffer {
  const head =
    `From: Bench <bench@red.example>\r\nTo: Sink <sink@blue.example>\r\nSubject: ${subject}\r\n` +
    'Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
  return Buffer.from(head + line.repeat(Math.max(1, Math.floor((size - head.length) / line.length))));
}

export const LOAD_ENVELOPE: Envelope = { from: 'bench@red.example', to: 'sink@blue.example' };
