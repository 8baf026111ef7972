import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Sandbox } from '../../server/sandbox.js';
import { startLoggedSandbox, type CaptureLog, type LogRecord } from '../smtp/capture-logger.js';

let box: Sandbox;
let log: CaptureLog;
let base: string;

beforeAll(async () => {
  const started = await startLoggedSandbox();
  box = started.box;
  log = started.log;
  base = `http://127.0.0.1:${started.port('http')}`;
});
afterAll(async () => {
  await box.stop(0);
});

/** The HTTP front's request records for one path, logged since `after`. */
function requestRecords(path: string, after: number): LogRecord[] {
  return log.records.slice(after).filter((r) => r.front === 'http' && r.path === path && /^HTTP request/.test(r.msg));
}

describe('the HTTP request log', () => {
  it('writes one debug line per request: method, path without the query, status, duration, client', async () => {
    const after = log.records.length;
    expect((await fetch(`${base}/api/v1/search?query=subject:hunter2`)).status).toBe(200);
    expect(requestRecords('/api/v1/search', after)).toEqual([
      { time: expect.any(String), level: 'debug', msg: 'HTTP request', front: 'http', method: 'GET', path: '/api/v1/search', status: 200, ms: expect.any(Number), client: '127.0.0.1' },
    ]);
    expect(JSON.stringify(log.records.slice(after))).not.toContain('hunter2');
  });

  it('logs client errors at debug', async () => {
    const after = log.records.length;
    expect((await fetch(`${base}/api/v1/message/no-such-id`)).status).toBe(404);
    expect(requestRecords('/api/v1/message/no-such-id', after)).toMatchObject([{ level: 'debug', status: 404 }]);
  });

  it('never logs a request or response body', async () => {
    const after = log.records.length;
    const body = JSON.stringify({ From: { Email: 'a@example.test' }, To: [{ Email: 'b@example.test' }], Subject: 'subject-marker', Text: 'body-marker' });
    const sent = await fetch(`${base}/api/v1/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const { ID } = (await sent.json()) as { ID: string };
    expect((await (await fetch(`${base}/api/v1/message/${ID}/raw`)).text())).toContain('body-marker');
    expect(requestRecords('/api/v1/send', after)).toMatchObject([{ method: 'POST', status: 200 }]);
    expect(requestRecords(`/api/v1/message/${ID}/raw`, after)).toMatchObject([{ status: 200 }]);
    expect(JSON.stringify(log.records.slice(after))).not.toMatch(/body-marker|subject-marker/);
  });

  it('logs a handler that throws once, at error, with its message and the 500 the client got', async () => {
    const after = log.records.length;
    // A fault in the store stands in for a bug in a route.
    box.store.latest = () => {
      throw new Error('index on fire');
    };
    try {
      const response = await fetch(`${base}/api/v1/message/latest`);
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain('index on fire');
    } finally {
      delete (box.store as { latest?: unknown }).latest;
    }
    expect(requestRecords('/api/v1/message/latest', after)).toEqual([
      expect.objectContaining({ level: 'error', msg: 'HTTP request failed', method: 'GET', status: 500, error: 'index on fire', ms: expect.any(Number) }),
    ]);
  });

  it('logs WebSocket upgrades, accepted and refused', async () => {
    const after = log.records.length;
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/events`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
    const refused = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1', () =>
        socket.write('GET /api/events HTTP/1.1\r\nHost: evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(refused).toMatch(/^HTTP\/1\.1 403 /);
    expect(requestRecords('/api/events', after)).toMatchObject([
      { level: 'debug', method: 'GET', status: 101, client: '127.0.0.1' },
      { level: 'debug', method: 'GET', status: 403, client: '127.0.0.1' },
    ]);
  });
});
