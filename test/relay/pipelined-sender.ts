/**
 * A lean SMTP client for volume tests: each connection sends its share of messages,
 * one round trip per message (the message, its final dot and the next envelope in
 * one write, RFC 2920), and checks every reply code.
 */
import { connect } from 'node:net';

export interface Outgoing {
  from: string;
  to: string;
  raw: string;
}

async function sendOn(port: number, messages: Outgoing[]): Promise<void> {
  if (messages.length === 0) return;
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.setEncoding('latin1');
  let tail = '';
  const codes: number[] = [];
  let want = 0;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  socket.on('data', (chunk: string) => {
    const text = tail + chunk;
    let start = 0;
    let end: number;
    while ((end = text.indexOf('\r\n', start)) >= 0) {
      if (text.charCodeAt(start + 3) !== 0x2d) codes.push(Number(text.slice(start, start + 3)));
      start = end + 2;
    }
    tail = text.slice(start);
    if (codes.length >= want) wake?.();
  });
  socket.on('error', (error) => {
    failure = error;
    wake?.();
  });
  const replies = async (count: number, expected: number[]) => {
    want = count;
    if (codes.length < count && !failure) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
    const got = codes.splice(0, count);
    if (got.join() !== expected.join()) throw new Error(`expected ${expected.join()} got ${got.join()}`);
  };
  const envelope = (m: Outgoing) => `MAIL FROM:<${m.from}>\r\nRCPT TO:<${m.to}>\r\nDATA\r\n`;
  await replies(1, [220]);
  socket.write('EHLO volume.test\r\n');
  await replies(1, [250]);
  socket.write(envelope(messages[0] as Outgoing));
  await replies(3, [250, 250, 354]);
  for (let i = 0; i < messages.length; i++) {
    const next = messages[i + 1];
    socket.write(`${(messages[i] as Outgoing).raw}.\r\n${next ? envelope(next) : 'QUIT\r\n'}`);
    await replies(next ? 4 : 2, next ? [250, 250, 250, 354] : [250, 221]);
  }
  socket.end();
}

/** Sends every message over `connections` connections at once; the raw texts must end with CRLF and need no dot-stuffing. */
export async function sendPipelined(port: number, messages: Outgoing[], connections = 4): Promise<void> {
  const shares: Outgoing[][] = Array.from({ length: connections }, () => []);
  messages.forEach((m, i) => shares[i % connections]?.push(m));
  await Promise.all(shares.map((share) => sendOn(port, share)));
}
