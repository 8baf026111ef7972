import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../server/config.js';
import { OptionError } from '../../server/lib/options.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** Short, so the test waits for a close that comes in well under a second. */
const DEADLINE_MS = 300;
/** How often the trickling client sends its next byte: each byte arrives well within any idle timeout. */
const TRICKLE_MS = 20;

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox({ httpRequestTimeout: DEADLINE_MS });
});
afterAll(async () => box.stop(0));

/**
 * Opens a raw connection, sends `start`, then one byte of `drip` every TRICKLE_MS, for
 * ever; resolves with what the server answered once it closes the connection.
 */
async function trickle(start: string, drip: string): Promise<{ answer: string }> {
  const socket = connect(box.port('http'), '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  let dripped = 0;
  socket.setEncoding('utf8').on('data', (text: string) => (answer += text));
  socket.on('error', () => undefined);
  socket.write(start);
  const timer = setInterval(() => {
    socket.write(drip[dripped % drip.length] ?? ' ');
    dripped++;
  }, TRICKLE_MS);
  // A reset is a close too: the server drops bytes still arriving after its answer.
  await new Promise((resolve) => socket.once('close', resolve));
  clearInterval(timer);
  return { answer };
}

function expect408(answer: string): void {
  expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(answer).toMatch(/\r\nConnection: close\r\n/);
  expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ Error: 'request not received in time' });
}

describe('the whole-request deadline (--http-request-timeout)', () => {
  it('answers 408 and closes a connection whose headers trickle in', async () => {
    const { answer } = await trickle('GET /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'abcdefgh');
    expect408(answer);
  });

  it('answers 408 and closes a connection whose body trickles in, declared or chunked', async () => {
    const declared = await trickle('PUT /api/v1/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n', ' ');
    expect408(declared.answer);
    const chunked = await trickle('PUT /api/v1/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', '1\r\n \r\n');
    expect408(chunked.answer);
  });

  it('closes, without a second answer, a body still trickling after its 413', async () => {
    const { answer } = await trickle('PUT /api/v1/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n', ' ');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });

  it('leaves alone what is not a request still arriving: a WebSocket, a long poll, a kept-alive connection', async () => {
    const base = `http://127.0.0.1:${box.port('http')}`;
    const ws = new WebSocket(`ws://127.0.0.1:${box.port('http')}/api/events`);
    await once(ws, 'open');
    const kept = connect(box.port('http'), '127.0.0.1');
    await once(kept, 'connect');
    const keptAnswer = (request: string) => {
      kept.write(request);
      return once(kept, 'data').then(([data]) => String(data));
    };
    expect(await keptAnswer('GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    const waiting = fetch(`${base}/api/v1/wait?query=${encodeURIComponent('subject:after-the-deadline')}&timeout=60s`);
    // A request past the deadline of its own proves the deadline has passed for the others.
    expect408((await trickle('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'x')).answer);
    const newFrame = new Promise<void>((resolve) => ws.on('message', (data) => String(data).includes('"Type":"new"') && resolve()));
    box.store.deliver({ raw: Buffer.from('Subject: after-the-deadline\r\n\r\nx\r\n'), envelope: { mailFrom: '', rcptTo: ['a@b.c'] } });
    await newFrame;
    expect((await waiting).status).toBe(200);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(await keptAnswer('GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    ws.close();
    kept.destroy();
  });
});

describe('--http-request-timeout', () => {
  it('is a duration, 30s unless given, 0 for none', () => {
    expect(loadConfig([], {}).httpRequestTimeout).toBe(30_000);
    expect(loadConfig(['--http-request-timeout', '45s'], {}).httpRequestTimeout).toBe(45_000);
    expect(loadConfig([], { LETTERBOX_HTTP_REQUEST_TIMEOUT: '500ms' }).httpRequestTimeout).toBe(500);
    expect(loadConfig(['--http-request-timeout=0'], {}).httpRequestTimeout).toBe(0);
  });

  it('refuses what is not a duration, or longer than Node can keep', () => {
    for (const [value, message] of [
      ['soon', /--http-request-timeout: expected a duration such as 30s or 10m, got "soon"/],
      ['-1s', /expected a duration/],
      ['25h', /--http-request-timeout: at most 24h, got "25h"/],
    ] as const) {
      expect(() => loadConfig(['--http-request-timeout', value], {})).toThrow(OptionError);
      expect(() => loadConfig(['--http-request-timeout', value], {})).toThrow(message);
    }
    expect(() => loadConfig([], { LETTERBOX_HTTP_REQUEST_TIMEOUT: '1 week' })).toThrow(/LETTERBOX_HTTP_REQUEST_TIMEOUT: expected a duration/);
  });
});
