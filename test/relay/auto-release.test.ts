import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseService } from '../../server/relay/release-service.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { sendPipelined } from './pipelined-sender.js';
import { startSink } from './smtp-sink.js';

let dns: TestDnsServer;
const boxes: TestSandbox[] = [];

beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
});
afterAll(async () => {
  await Promise.all(boxes.map((b) => b.stop(0)));
  await dns.close();
});

/** Resolves once the store holds `count` messages. */
function holding(box: TestSandbox, count: number): Promise<void> {
  return new Promise((resolve) => {
    if (box.store.stats().messages >= count) return resolve();
    const off = box.store.on('delivered', () => {
      if (box.store.stats().messages < count) return;
      off();
      resolve();
    });
  });
}

describe('auto-release', () => {
  it('releases each of 1,000 arriving messages exactly once, none lost', async () => {
    const blue = await startTestSandbox({ hostname: 'blue.test' });
    boxes.push(blue);
    const red = await startTestSandbox({
      hostname: 'red.test',
      releaseMx: true, releaseAllowPrivate: true,
      releaseAllow: ['blue.com'],
      releaseAuto: 'to:@blue.com',
      // Release at once, so releases run while the rest is still arriving.
      releaseAutoYield: 0,
      // 900 releases in a burst: no rate limit here (release-caps.test.ts covers it).
      releaseRate: null,
      dnsServer: dns.address,
      releasePort: blue.port('smtp'),
    });
    boxes.push(red);
    const service = red.release as ReleaseService;
    const total = 1_000;
    const expected = total - total / 10;
    let finished = 0;
    const allFinished = new Promise<void>((resolve) => {
      service.on('finished', () => {
        if (++finished === expected) resolve();
      });
    });
    const messages = Array.from({ length: total }, (_, i) => {
      // Every tenth message is not for blue.com and must stay put.
      const to = i % 10 === 0 ? `carol-${i}@green.com` : `bob+${i}@blue.com`;
      return { from: 'alice@red.com', to, raw: `From: alice@red.com\r\nTo: ${to}\r\nSubject: n-${i}\r\n\r\nmessage ${i}\r\n` };
    });
    await sendPipelined(red.port('smtp'), messages);
    await Promise.all([holding(blue, expected), allFinished]);
    const subjects = blue.store.messages().map((m) => m.summary.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects).toHaveLength(expected);
    for (const message of red.store.messages()) {
      const records = service.history.of(message.id);
      const forBlue = message.envelope.rcptTo[0]?.endsWith('@blue.com');
      expect(records).toHaveLength(forBlue ? 1 : 0);
      if (forBlue) expect(records[0]?.recipients[0]?.state).toBe('delivered');
    }
    expect(red.store.stats().messages).toBe(total);
  }, 120_000);

  it('records recipients outside the allow-list as refused, and sends the rest', async () => {
    const blue = await startTestSandbox({ hostname: 'blue.test' });
    boxes.push(blue);
    const red = await startTestSandbox({ releaseMx: true, releaseAllowPrivate: true, releaseAllow: ['bob@blue.com'], releaseAuto: 'to:@blue.com', releaseAutoYield: 0, dnsServer: dns.address, releasePort: blue.port('smtp') });
    boxes.push(red);
    const service = red.release as ReleaseService;
    const finished: string[] = [];
    const both = new Promise<void>((resolve) => {
      service.on('finished', ({ record }) => {
        finished.push(record.recipients.map((r) => `${r.address}:${r.state}`).join(' '));
        if (finished.length === 2) resolve();
      });
    });
    const transport = createTransport({ host: '127.0.0.1', port: red.port('smtp'), secure: false });
    await transport.sendMail({ from: 'alice@red.com', to: ['bob@blue.com', 'eve@blue.com'], subject: 'one', text: 'x' });
    await transport.sendMail({ from: 'alice@red.com', to: 'eve@blue.com', subject: 'two', text: 'x' });
    transport.close();
    await both;
    expect(finished.sort()).toEqual(['bob@blue.com:delivered eve@blue.com:failed', 'eve@blue.com:failed']);
    expect(blue.store.messages().map((m) => m.envelope.rcptTo)).toEqual([['bob@blue.com']]);
  });

  it('never makes the sender wait for a release', async () => {
    // The destination never greets: every release hangs until its timeout.
    const stalled = await startSink({ connect: () => 'stall' });
    const red = await startTestSandbox({
      releaseMx: true, releaseAllowPrivate: true,
      releaseAllow: ['blue.com'],
      releaseAuto: 'to:@blue.com',
      releaseGreetingTimeout: 60_000,
      dnsServer: dns.address,
      releasePort: stalled.port,
    });
    boxes.push(red);
    const service = red.release as ReleaseService;
    const transport = createTransport({ host: '127.0.0.1', port: red.port('smtp'), secure: false });
    for (let i = 0; i < 10; i++) {
      const info = await transport.sendMail({ from: 'alice@red.com', to: 'bob@blue.com', subject: `s-${i}`, text: 'x' });
      expect(info.response).toMatch(/^250 /);
    }
    transport.close();
    // All ten were accepted while the releases are still waiting for a greeting.
    const records = red.store.messages().flatMap((m) => service.history.of(m.id));
    expect(records.every((r) => r.attempts.length === 0)).toBe(true);
    expect(red.store.stats().messages).toBe(10);
    await red.stop(0);
    await stalled.close();
  });
});
