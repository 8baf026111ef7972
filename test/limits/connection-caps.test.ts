import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox({ maxConnectionsPerIp: 2 });
});
afterAll(async () => box.stop(0));

/** Connects and resolves with the first bytes the server sends (or '' for HTTP, which waits for a request). */
async function open(port: number, greeted = true): Promise<{ socket: Socket; first: string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const first = greeted ? ((await once(socket, 'data'))[0] as Buffer).toString() : '';
  return { socket, first };
}

/** Reads everything until the server closes. */
async function readAll(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await once(socket, 'close');
  return text;
}

async function close(socket: Socket): Promise<void> {
  const closed = once(socket, 'close');
  socket.destroy();
  await closed;
}

describe('connection caps per client address', () => {
  it('SMTP answers 421 past the cap and admits again once a session ends', async () => {
    const port = box.port('smtp');
    const held = [await open(port), await open(port)];
    for (const { first } of held) expect(first).toMatch(/^220 /);
    const third = await open(port);
    expect(third.first).toMatch(/^421 .*Too many connections from your address/);
    await close(third.socket);
    await close(held[0]!.socket);
    const again = await open(port);
    expect(again.first).toMatch(/^220 /);
    await Promise.all([close(again.socket), close(held[1]!.socket)]);
  });

  it('POP3 answers -ERR [SYS/TEMP] past the cap', async () => {
    const port = box.port('pop3');
    const held = [await open(port), await open(port)];
    for (const { first } of held) expect(first).toMatch(/^\+OK /);
    const third = await open(port);
    expect(third.first).toMatch(/^-ERR \[SYS\/TEMP\] Too many connections/);
    await Promise.all([...held, third].map(({ socket }) => close(socket)));
  });

  it('IMAP answers * BYE past the cap (RFC 3501 §7.1.5)', async () => {
    const port = box.port('imap');
    const held = [await open(port), await open(port)];
    for (const { first } of held) expect(first).toMatch(/^\* OK /);
    const third = await open(port);
    expect(third.first).toMatch(/^\* BYE Too many connections/);
    await Promise.all([...held, third].map(({ socket }) => close(socket)));
  });

  it('HTTP answers 503 with a JSON error past the cap, before any route runs', async () => {
    const port = box.port('http');
    const held = [await open(port, false), await open(port, false)];
    const message = await box.store.deliver({ raw: Buffer.from('Subject: keep me\r\n\r\nx\r\n'), envelope: { mailFrom: '', rcptTo: ['a@b.c'] } });
    const third = await open(port, false);
    const reply = readAll(third.socket);
    third.socket.write(`DELETE /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(text).toContain('{"Error":"Too many connections from your address, try again later"}');
    expect(box.store.get(message.id)).toBeDefined();
    await Promise.all(held.map(({ socket }) => close(socket)));
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
  });

  it('WebSockets and waiting long-polls hold a place under the HTTP cap while they are open', async () => {
    // A sandbox of its own: no pooled keep-alive connection from another test counts here.
    const own = await startTestSandbox({ maxConnectionsPerIp: 2 });
    try {
      const port = own.port('http');
      const events = new WebSocket(`ws://127.0.0.1:${port}/api/events`);
      await once(events, 'open');
      // A wait nothing will answer: no message has this subject.
      const waiting = await open(port, false);
      waiting.socket.write(`GET /api/v1/wait?query=${encodeURIComponent('subject:"never sent"')}&timeout=60000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      const third = await open(port, false);
      const reply = readAll(third.socket);
      third.socket.write('GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect(await reply).toMatch(/^HTTP\/1\.1 503 /);
      // Once they close, their places are free again.
      await close(waiting.socket);
      const closed = once(events, 'close');
      events.close();
      await closed;
      // (The server may see a new connection before the closes: ask until it is admitted.)
      const status = async () => {
        const after = await open(port, false);
        const answer = readAll(after.socket);
        after.socket.write('GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
        return (await answer).slice(0, 12);
      };
      await expect.poll(status).toBe('HTTP/1.1 200');
    } finally {
      await own.stop(0);
    }
  });
});

describe('connection caps of 0', () => {
  it('mean no cap: every session is greeted, past any number a cap would have', async () => {
    const own = await startTestSandbox({ maxConnections: 0, maxConnectionsPerIp: 0 });
    try {
      const held = await Promise.all(Array.from({ length: 5 }, () => open(own.port('pop3'))));
      for (const { first } of held) expect(first).toMatch(/^\+OK /);
      await Promise.all(held.map(({ socket }) => close(socket)));
    } finally {
      await own.stop(0);
    }
  });
});
