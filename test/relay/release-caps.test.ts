/**
 * Release caps: at most --smtp-max-recipients recipients per release, and at most
 * --release-rate releases, for the API (400 / 429 with Retry-After, JSON errors) and
 * auto-release alike (a message over the rate is recorded as not released). The
 * sandboxes run on a clock that stands still, so the rate never refills mid-test.
 */
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, type Config } from '../../server/config.js';
import { silentLogger } from '../../server/lib/log.js';
import type { ReleaseRecord } from '../../server/relay/release-history.js';
import { RateLimiter } from '../../server/relay/release-rate.js';
import { createSandbox, type Sandbox } from '../../server/sandbox.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSink, type SmtpSink } from './smtp-sink.js';

const RAW = Buffer.from('From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: caps\r\n\r\nHi\r\n');
const NOW = new Date('2026-12-06T12:00:00Z');
const ON_LOOPBACK = { host: '127.0.0.1', port: 0 };

let dns: TestDnsServer;
let sink: SmtpSink;
const boxes: Sandbox[] = [];

beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  sink = await startSink();
});
afterAll(async () => {
  await Promise.all([...boxes.map((b) => b.stop(0)), sink.close()]);
  await dns.close();
});

/** A sandbox releasing by MX to the sink, its clock stopped at NOW. */
async function stoppedClockBox(overrides: Partial<Config>): Promise<{ box: Sandbox; http: string; smtp: number }> {
  const config: Config = {
    ...defaultConfig(),
    smtp: ON_LOOPBACK, listen: ON_LOOPBACK, pop3: null, imap: null,
    releaseMx: true, releaseAllowPrivate: true, releaseAllow: ['blue.com'],
    dnsServer: dns.address, releasePort: sink.port,
    ...overrides,
  };
  const box = await createSandbox(config, { logger: silentLogger, clock: () => NOW });
  boxes.push(box);
  const listeners = await box.start();
  const port = (name: string) => listeners.find((l) => l.name === name)?.port as number;
  return { box, http: `http://127.0.0.1:${port('http')}`, smtp: port('smtp') };
}

async function release(http: string, id: string, to: string[]): Promise<Response> {
  return fetch(`${http}/api/v1/message/${id}/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ To: to }) });
}

const deliver = (box: Sandbox) => box.store.deliver({ raw: RAW, envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } });

describe('--release-rate', () => {
  it('reads N/s, N/min and N/h, 0 for no limit, and refuses anything else', () => {
    const rate = (text: string) => loadConfig(['--release-rate', text], {}).releaseRate;
    expect(loadConfig([], {}).releaseRate).toEqual({ count: 60, windowMs: 60_000, text: '60/min' });
    expect(rate('5/s')).toEqual({ count: 5, windowMs: 1_000, text: '5/s' });
    expect(rate('100/h')).toEqual({ count: 100, windowMs: 3_600_000, text: '100/h' });
    expect(rate('0')).toBeNull();
    expect(loadConfig([], { LETTERBOX_RELEASE_RATE: '2/min' }).releaseRate).toMatchObject({ count: 2 });
    for (const bad of ['abc', '-1', '1e9999', '60', '0/min', '1.5/min', '60/day', '60 /min', '2000000/min', 'Infinity/s', '']) {
      expect(() => rate(bad), bad).toThrow(/--release-rate: expected N\/s, N\/min or N\/h/);
    }
  });
});

describe('the release rate bucket', () => {
  it('holds N, refills N per window evenly, and a clock that goes back refills nothing', () => {
    const bucket = new RateLimiter({ count: 2, windowMs: 60_000, text: '2/min' }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([{ ok: true }, { ok: true }, { ok: false, retryAfterMs: 30_000 }]);
    expect(bucket.take(20_000)).toEqual({ ok: false, retryAfterMs: 10_000 });
    expect(bucket.take(30_000)).toEqual({ ok: true });
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterMs: 30_000 });
    // A long pause fills the bucket, never past N.
    expect([bucket.take(10_000_000), bucket.take(10_000_000), bucket.take(10_000_000).ok]).toEqual([{ ok: true }, { ok: true }, false]);
  });
});

describe('release caps over the API', () => {
  it('refuses more recipients than --smtp-max-recipients with a JSON 400, sending nothing', async () => {
    const { box, http } = await stoppedClockBox({ smtpMaxRecipients: 2, releaseRate: null });
    const message = await deliver(box);
    sink.clearWire();
    const response = await release(http, message.id, ['a@blue.com', 'b@blue.com', 'c@blue.com']);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ Error: 'Too many recipients: 3 given, at most 2 per release (--smtp-max-recipients)' });
    expect(sink.wire()).toBe('');
    expect(await (await release(http, message.id, ['a@blue.com', 'b@blue.com'])).text()).toBe('ok');
  });

  it('answers 429 with Retry-After past the rate, and sends nothing more', async () => {
    const { box, http } = await stoppedClockBox({ releaseRate: { count: 2, windowMs: 60_000, text: '2/min' } });
    const message = await deliver(box);
    const before = sink.messages.length;
    expect(await (await release(http, message.id, ['bob@blue.com'])).text()).toBe('ok');
    expect(await (await release(http, message.id, ['bob@blue.com'])).text()).toBe('ok');
    sink.clearWire();
    const refused = await release(http, message.id, ['bob@blue.com']);
    expect(refused.status).toBe(429);
    // One release refills every 30 s at 2/min.
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toEqual({ Error: 'Too many releases: at most 2/min (--release-rate); try again in 30 s' });
    expect(sink.wire()).toBe('');
    expect(sink.messages.length).toBe(before + 2);
    // A refused request (a bad address) does not use up the rate.
    expect((await release(http, message.id, ['not an address'])).status).toBe(400);
  });
});

describe('auto-release under the rate', () => {
  it('releases what the rate allows and records the rest as not released', async () => {
    const { box, http, smtp } = await stoppedClockBox({ releaseAuto: 'to:@blue.com', releaseAutoYield: 0, releaseRate: { count: 1, windowMs: 60_000, text: '1/min' } });
    const service = box.release;
    if (!service) throw new Error('release is off');
    const finished: ReleaseRecord[] = [];
    const both = new Promise<void>((resolve) => service.on('finished', ({ record }) => finished.push(record) === 2 && resolve()));
    const before = sink.messages.length;
    const transport = createTransport({ host: '127.0.0.1', port: smtp, secure: false });
    for (const subject of ['first', 'second']) await transport.sendMail({ from: 'alice@red.com', to: 'bob@blue.com', subject, text: 'x' });
    transport.close();
    await both;
    expect(sink.messages.length).toBe(before + 1);
    const states = finished.map((r) => r.recipients.map((x) => `${x.state}: ${x.reply}`)).flat().sort();
    expect(states).toEqual(['delivered: 250 OK: message queued', 'failed: over the release rate (--release-rate 1/min); nothing sent, release it by hand']);
    // The history shows it, as the web inbox does.
    const skipped = finished.find((r) => r.recipients[0]?.state === 'failed') as ReleaseRecord;
    const history = (await (await fetch(`${http}/api/v1/message/${skipped.messageId}/releases`)).json()) as { Releases: Array<{ Trigger: string; Status: string; Attempts: unknown[] }> };
    expect(history.Releases).toMatchObject([{ Trigger: 'auto', Status: 'done', Attempts: [] }]);
  });

  it('spends none of the rate on a message it cannot send to anyone', async () => {
    const { box } = await stoppedClockBox({ releaseAllow: ['bob@blue.com'], releaseRate: { count: 1, windowMs: 60_000, text: '1/min' } });
    const service = box.release;
    if (!service) throw new Error('release is off');
    const to = async (rcpt: string) => (await box.store.deliver({ raw: RAW, envelope: { mailFrom: 'alice@red.com', rcptTo: [rcpt] } })).id;
    const before = sink.messages.length;
    const outside = await service.release(await to('eve@blue.com'), undefined, 'auto');
    expect('recipients' in outside && outside.recipients.map((r) => r.reply)).toEqual(['not in the release allow-list (--release-allow); nothing sent']);
    const allowed = await service.release(await to('bob@blue.com'), undefined, 'auto');
    expect('recipients' in allowed && allowed.recipients.map((r) => r.state)).toEqual(['delivered']);
    expect(sink.messages.length).toBe(before + 1);
  });
});
