import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { startApi, type ApiBox } from './http-helpers.js';

interface Frame {
  Type: string;
  Data: unknown;
}

let api: ApiBox;

beforeAll(async () => {
  api = await startApi({ wsMaxBuffer: 256 * 1024 });
});
afterAll(async () => {
  await api.stop();
});

/** A client that records frames and can await the next one of a type. */
async function connect(path = '/api/events', headers: Record<string, string> = {}) {
  const ws = new WebSocket(api.base.replace('http', 'ws') + path, { headers });
  const frames: Frame[] = [];
  const waiting: Array<{ type: string; resolve: (f: Frame) => void }> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    frames.push(frame);
    const at = waiting.findIndex((w) => w.type === frame.Type);
    if (at >= 0) waiting.splice(at, 1)[0]?.resolve(frame);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (type: string) => new Promise<Frame>((resolve) => waiting.push({ type, resolve }));
  return { ws, frames, next };
}

describe('WebSocket /api/events', () => {
  it('sends stats on connect, then new, update, delete and truncate', async () => {
    const client = await connect();
    const firstStats = client.frames[0] ?? (await client.next('stats'));
    expect(firstStats).toMatchObject({ Type: 'stats', Data: { Total: expect.any(Number), Unread: expect.any(Number), Version: expect.any(String) } });

    const newFrame = client.next('new');
    const sent = await api.send({ subject: 'live one', text: 'the body' });
    expect((await newFrame).Data).toMatchObject({ ID: sent.id, Subject: 'live one', Read: false, Cc: [], Tags: [], Snippet: 'the body' });

    const update = client.next('update');
    await fetch(`${api.base}/api/v1/messages`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ IDs: [sent.id], Read: true }) });
    expect((await update).Data).toEqual({ ID: sent.id, Read: true });

    const tagUpdate = client.next('update');
    await fetch(`${api.base}/api/v1/tags`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ IDs: [sent.id], Tags: ['t'] }) });
    expect((await tagUpdate).Data).toEqual({ ID: sent.id, Tags: ['t'] });

    const deleted = client.next('delete');
    await fetch(`${api.base}/api/v1/messages`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ IDs: [sent.id] }) });
    expect((await deleted).Data).toEqual({ ID: sent.id });
    // Stats are coalesced: the latest one eventually shows the total after the delete.
    const total = api.box.store.stats().messages;
    const statsTotal = () => client.frames.filter((f) => f.Type === 'stats').map((f) => (f.Data as { Total: number }).Total).pop();
    while (statsTotal() !== total) await client.next('stats');

    await api.send({ subject: 'to be truncated' });
    const truncate = client.next('truncate');
    await fetch(`${api.base}/api/v1/messages`, { method: 'DELETE' });
    expect((await truncate).Data).toBeNull();
    client.ws.close();
  });

  it('coalesces stats under a burst', async () => {
    const client = await connect();
    // The greeting stats frame may already be in; count from after it.
    if (!client.frames.some((f) => f.Type === 'stats')) await client.next('stats');
    const statsBefore = client.frames.filter((f) => f.Type === 'stats').length;
    const before = client.frames.length;
    const lastNew = new Promise<void>((resolve) => {
      let seen = 0;
      client.ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as Frame).Type === 'new' && ++seen === 200) resolve();
      });
    });
    for (let i = 0; i < 200; i++) api.box.store.deliver({ raw: Buffer.from(`Subject: burst ${i}\r\n\r\nx\r\n`), envelope: { mailFrom: '', rcptTo: ['a@b.test'] } });
    await lastNew;
    // Frames that came in the same chunk as the last `new` are already recorded.
    const total = api.box.store.stats().messages;
    const isFinal = (f: Frame) => f.Type === 'stats' && (f.Data as { Total: number }).Total === total;
    while (!client.frames.slice(before).some(isFinal)) await client.next('stats');
    expect(client.frames.filter((f) => f.Type === 'stats').length - statsBefore).toBeLessThanOrEqual(3);
    client.ws.close();
  });

  it('sends prune for pruning and large deletes', async () => {
    const client = await connect();
    for (let i = 0; i < 10; i++) api.box.store.deliver({ raw: Buffer.from(`Subject: p${i}\r\n\r\nx\r\n`), envelope: { mailFrom: '', rcptTo: ['a@b.test'] } });
    const prune = client.next('prune');
    api.box.store.setLimits({ maxMessages: 5 });
    expect((await prune).Data).toBeNull();
    api.box.store.setLimits({ maxMessages: 0 });
    client.ws.close();
  });

  it('sends one prune, not an update each, when more than 200 messages change at once', async () => {
    for (let i = 0; i < 250; i++) api.box.store.deliver({ raw: Buffer.from(`Subject: bulk ${i}\r\n\r\nx\r\n`), envelope: { mailFrom: '', rcptTo: ['a@b.test'] } });
    const client = await connect();
    const ids = api.box.store.messages().map((m) => m.id);
    const few = client.next('update');
    await api.box.store.setFlags(ids.slice(0, 1), 'add', ['\\Seen']);
    expect(await few).toMatchObject({ Data: { ID: ids[0], Read: true } });
    const before = client.frames.length;
    const prune = client.next('prune');
    await fetch(`${api.base}/api/v1/messages`, { method: 'PUT', body: JSON.stringify({ Read: true }), headers: { 'content-type': 'application/json' } });
    await prune;
    const tagsPrune = client.next('prune');
    await api.box.store.setTags(ids, ['bulk']);
    await tagsPrune;
    expect(client.frames.slice(before).filter((f) => f.Type === 'update')).toEqual([]);
    client.ws.close();
  });

  it('refuses upgrades on other paths and from foreign origins', async () => {
    await expect(connect('/api/v1/messages')).rejects.toThrow(/404/);
    await expect(connect('/api/events', { Origin: 'https://evil.example' })).rejects.toThrow(/403/);
  });

  it('answers a plain GET with 426', async () => {
    expect((await fetch(`${api.base}/api/events`)).status).toBe(426);
  });

  it('closes a client that never reads, and keeps serving others', async () => {
    const stalled = await rawUpgradeThenStopReading();
    const healthy = await connect();
    const closed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    let done = false;
    // Large frames (a 60 KB subject each) fill the kernel's socket buffers in a few hundred messages;
    // the server notices the stall only once its socket stops draining, so deliver in rounds until it does.
    const subject = 'x'.repeat(60_000);
    for (let delivered = 0; !done && delivered < 5_000; delivered += 20) {
      for (let i = 0; i < 20; i++) {
        api.box.store.deliver({ raw: Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`), envelope: { mailFrom: '', rcptTo: ['a@b.test'] } });
      }
      // A paused socket cannot see the server's close, so ask the server whether it dropped the client.
      const metrics = await (await fetch(`${api.base}/metrics`)).text();
      done = /^letterbox_websocket_dropped_total [1-9]/m.test(metrics);
    }
    expect(done).toBe(true);
    stalled.resume();
    await closed;
    // The healthy client still gets every event, the backlog first, then the new message.
    const sent = await api.send({ subject: 'after the stall' });
    const newIds = () => healthy.frames.filter((f) => f.Type === 'new').map((f) => (f.Data as { ID: string }).ID);
    while (!newIds().includes(sent.id)) await healthy.next('new');
    healthy.ws.close();
  }, 60_000);
});

/** A WebSocket handshake over a bare TCP socket (RFC 6455 §4.1), then the socket is never read. */
async function rawUpgradeThenStopReading(): Promise<Socket> {
  const url = new URL(api.base);
  const socket = tcpConnect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `GET /api/events HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const head = await new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(String(chunk))));
  expect(head).toMatch(/^HTTP\/1\.1 101/);
  socket.pause();
  socket.on('error', () => undefined);
  return socket;
}
