import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventsHub } from '../../server/http/events-hub.js';
import { Metrics } from '../../server/http/metrics.js';
import { Activity } from '../../server/lib/activity.js';
import { MemoryStore } from '../../server/store/memory-store.js';

/**
 * RFC 6455 §5.5.2 heartbeats on the events hub, with a short interval so the test sees
 * several rounds: a client that answers pings stays, one that never answers is dropped.
 * (A pong later than one interval counts as none, so the interval leaves room for a
 * busy machine.)
 */
describe('WebSocket heartbeat', () => {
  let server: Server;
  let hub: EventsHub;
  let port = 0;

  beforeAll(async () => {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
    hub = new EventsHub({ store, metrics: new Metrics(store, new Activity()), version: 'test', maxBuffered: 1024 * 1024, pingIntervalMs: 250 });
    server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (request, socket, head) => hub.upgrade(request, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    hub.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('pings a client, which stays connected while it answers', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`);
    await once(ws, 'open');
    // The ws client answers each ping with a pong (RFC 6455 §5.5.3) by itself.
    for (let round = 0; round < 4; round++) await once(ws, 'ping');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.size).toBe(1);
    ws.close();
    await once(ws, 'close');
  });

  it('drops a client that reads but never answers a ping', async () => {
    const socket = tcpConnect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    await once(socket, 'close');
    expect(received).toMatch(/^HTTP\/1\.1 101/);
    // A ping frame (opcode 0x9) arrived, went unanswered, and the hub let the client go.
    expect(received).toContain('\x89\x00');
    // The hub forgets the client once its side of the socket has closed too.
    while (hub.size > 0) await new Promise((resolve) => setImmediate(resolve));
  });
});
