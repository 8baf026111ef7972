import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config.js';
import { loadTls } from '../../server/lib/tls.js';
import type { ReleaseRecord } from '../../server/relay/release-history.js';
import type { ReleaseService } from '../../server/relay/release-service.js';
import type { StoredMessage } from '../../server/store/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startSink, type SinkBehaviour, type SmtpSink } from './smtp-sink.js';

const RAW = Buffer.from('From: Alice <alice@red.com>\r\nTo: Bob <bob@blue.com>\r\nSubject: Lunch?\r\nMessage-ID: <lunch-1@red.com>\r\n\r\nNoon?\r\n');

let dns: TestDnsServer;
let boxes: TestSandbox[] = [];
let sinks: SmtpSink[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    mx: {
      'two.com': [
        { preference: 20, exchange: 'backup.two.com' },
        { preference: 10, exchange: 'down.two.com' },
      ],
      'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }],
      'green.com': [{ preference: 10, exchange: 'mx.green.com' }], 'null.com': [{ preference: 0, exchange: '.' }] },
    a: { 'mx.blue.com': ['127.0.0.1'], 'mx.green.com': ['127.0.0.1'], 'down.two.com': ['127.0.0.2'], 'backup.two.com': ['127.0.0.1'] },
    behaviour: { 'servfail.com': 'servfail' },
  });
});
afterAll(() => dns.close());
afterEach(async () => {
  await Promise.all([...boxes.map((b) => b.stop(0)), ...sinks.map((s) => s.close())]);
  boxes = [];
  sinks = [];
});

async function sink(behaviour: SinkBehaviour = {}): Promise<SmtpSink> {
  const s = await startSink(behaviour);
  sinks.push(s);
  return s;
}

const fast = { releaseConnectTimeout: 2_000, releaseGreetingTimeout: 500, releaseCommandTimeout: 500, releaseDataTimeout: 500, releaseRetry: [30, 30] };

async function mxBox(port: number, overrides: Partial<Config> = {}): Promise<{ box: TestSandbox; service: ReleaseService }> {
  const box = await startTestSandbox({ hostname: 'red.test', releaseMx: true, releaseAllowPrivate: true, releaseAllow: ['blue.com', 'green.com', 'null.com', 'servfail.com', 'two.com'], dnsServer: dns.address, dnsTimeout: 500, releasePort: port, ...fast, ...overrides });
  boxes.push(box);
  const service = box.release;
  if (!service) throw new Error('release service not running');
  return { box, service };
}

async function deliver(box: TestSandbox, rcptTo = ['bob@blue.com'], raw = RAW): Promise<StoredMessage> {
  return await box.store.deliver({ raw, envelope: { mailFrom: 'alice@red.com', rcptTo }, client: { address: '127.0.0.9', helo: 'alice-laptop', via: 'smtp' } });
}

function finished(service: ReleaseService, messageId: string): Promise<ReleaseRecord> {
  return new Promise((resolve) => {
    const off = service.on('finished', ({ record }) => {
      if (record.messageId !== messageId) return;
      off();
      resolve(record);
    });
  });
}

function asRecord(outcome: Awaited<ReturnType<ReleaseService['release']>>): ReleaseRecord {
  if ('refused' in outcome) throw new Error(`refused: ${outcome.refused}`);
  return outcome;
}

describe('release by MX', () => {
  it('looks up the MX and delivers the stored bytes with one Received line on top', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port);
    const message = await deliver(box);
    const record = asRecord(await service.release(message.id, undefined, 'api'));
    expect(record.recipients).toEqual([expect.objectContaining({ address: 'bob@blue.com', state: 'delivered', attempts: 1 })]);
    expect(record.state).toBe('done');
    const sent = s.messages[0];
    expect(sent?.mailFrom).toBe('alice@red.com');
    expect(sent?.rcptTo).toEqual(['bob@blue.com']);
    const text = sent?.raw.toString('latin1') ?? '';
    expect(text.startsWith('Received: from alice-laptop ([127.0.0.9])\r\n\tby red.test (Letterbox) with ESMTP id ' + message.id + '\r\n\tfor <bob@blue.com>;\r\n\t')).toBe(true);
    expect(sent?.raw.subarray(sent.raw.length - RAW.length).equals(RAW)).toBe(true);
    const attempt = record.attempts[0];
    expect(attempt).toMatchObject({ host: 'mx.blue.com', address: `127.0.0.1:${s.port}`, outcome: 'delivered', recipients: ['bob@blue.com'] });
    expect(attempt?.dns).toEqual(['blue.com MX 10 mx.blue.com', 'mx.blue.com A/AAAA: 127.0.0.1']);
    expect(attempt?.transcript.some((line) => line.startsWith('S: 250'))).toBe(true);
    expect(service.history.of(message.id)).toEqual([record]);
    expect((await box.store.readRaw(message.id))?.equals(RAW)).toBe(true);
  });

  it('tries MX hosts in preference order until one answers', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port);
    // Nothing listens on 127.0.0.2: the preferred host refuses the connection.
    const record = asRecord(await service.release((await deliver(box, ['bob@two.com'])).id, undefined, 'api'));
    expect(record.attempts.map((a) => [a.host, a.address, a.outcome])).toEqual([
      ['down.two.com', `127.0.0.2:${s.port}`, 'temporary'],
      ['backup.two.com', `127.0.0.1:${s.port}`, 'delivered'],
    ]);
    expect(record.attempts[0]?.results[0]?.reply).toContain('ECONNREFUSED');
    expect(record.recipients[0]).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('upgrades to TLS when the MX offers STARTTLS (opportunistic, RFC 3207)', async () => {
    const tls = await loadTls({ mode: 'self-signed', certFile: '', keyFile: '', hostname: 'mx.blue.com' });
    const s = await sink({ tls: tls ?? undefined });
    const { box, service } = await mxBox(s.port);
    const record = asRecord(await service.release((await deliver(box)).id, undefined, 'api'));
    expect(record.attempts[0]).toMatchObject({ outcome: 'delivered', tls: true });
    expect(record.attempts[0]?.transcript).toContain('C: STARTTLS');
    expect(s.messages[0]?.secure).toBe(true);
  });

  it('makes one transaction per domain', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port);
    const record = asRecord(await service.release((await deliver(box, ['bob@blue.com', 'carol@green.com', 'dan@blue.com'])).id, undefined, 'api'));
    expect(record.attempts.map((a) => [a.host, a.recipients])).toEqual(
      expect.arrayContaining([
        ['mx.blue.com', ['bob@blue.com', 'dan@blue.com']],
        ['mx.green.com', ['carol@green.com']],
      ]),
    );
    expect(s.messages.map((m) => m.rcptTo).sort()).toEqual([['bob@blue.com', 'dan@blue.com'], ['carol@green.com']]);
  });

  it('sends more than 100 recipients of a domain in chunks of 100, as a server may refuse the 101st (RFC 5321 §4.5.3.1.8)', async () => {
    const s = await sink({ rcpt: (_address, session) => (session.envelope.rcptTo.length >= 100 ? { code: 452, message: '4.5.3 Too many recipients' } : null) });
    const { box, service } = await mxBox(s.port, { smtpMaxRecipients: 150 });
    const everyone = Array.from({ length: 150 }, (_, i) => `user${i}@blue.com`);
    const record = asRecord(await service.release((await deliver(box, everyone)).id, undefined, 'api'));
    expect(record.recipients.filter((r) => r.state !== 'delivered')).toEqual([]);
    expect(s.messages.map((m) => m.rcptTo.length).sort()).toEqual([100, 50]);
    expect(s.messages.flatMap((m) => m.rcptTo).sort()).toEqual([...everyone].sort());
  });

  it('retries a 4xx in the background until the server accepts', async () => {
    let refusals = 0;
    const s = await sink({ rcpt: () => (refusals++ === 0 ? { code: 451, message: '4.7.1 Greylisted, try again' } : null) });
    const { box, service } = await mxBox(s.port);
    const message = await deliver(box);
    const done = finished(service, message.id);
    const first = asRecord(await service.release(message.id, undefined, 'api'));
    expect(first.recipients[0]).toMatchObject({ state: 'retrying', reply: '451 4.7.1 Greylisted, try again' });
    const record = await done;
    expect(record.recipients[0]).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(record.attempts.map((a) => a.outcome)).toEqual(['temporary', 'delivered']);
    expect(s.messages).toHaveLength(1);
  });

  it('gives up after the last retry of the schedule', async () => {
    const s = await sink({ rcpt: () => ({ code: 452, message: '4.2.2 Mailbox full' }) });
    const { box, service } = await mxBox(s.port);
    const message = await deliver(box);
    const done = finished(service, message.id);
    await service.release(message.id, undefined, 'api');
    const record = await done;
    expect(record.attempts).toHaveLength(3);
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: 'gave up after 3 attempt(s): 452 4.2.2 Mailbox full' });
  });

  it('does not retry a 5xx', async () => {
    const s = await sink({ rcpt: () => ({ code: 550, message: '5.1.1 No such user' }) });
    const { box, service } = await mxBox(s.port);
    const record = asRecord(await service.release((await deliver(box)).id, undefined, 'api'));
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: '550 5.1.1 No such user' });
    expect(record.state).toBe('done');
    expect(record.attempts).toHaveLength(1);
  });

  it('refuses one recipient of three and delivers the others', async () => {
    const s = await sink({ rcpt: (address) => (address.startsWith('nobody') ? { code: 550, message: '5.1.1 No such user' } : null) });
    const { box, service } = await mxBox(s.port);
    const record = asRecord(await service.release((await deliver(box, ['bob@blue.com', 'nobody@blue.com', 'carol@blue.com'])).id, undefined, 'api'));
    expect(record.recipients.map((r) => [r.address, r.state])).toEqual([
      ['bob@blue.com', 'delivered'],
      ['nobody@blue.com', 'failed'],
      ['carol@blue.com', 'delivered'],
    ]);
    expect(record.attempts[0]?.outcome).toBe('partial');
  });

  it('fails permanently for a null MX, without connecting anywhere', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port);
    const record = asRecord(await service.release((await deliver(box, ['x@null.com'])).id, undefined, 'api'));
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: expect.stringContaining('null MX') });
    expect(record.attempts[0]).toMatchObject({ host: '', address: '', outcome: 'permanent', dns: ['null.com MX 0 .'] });
  });

  it('retries a DNS SERVFAIL', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port, { releaseRetry: [20] });
    const message = await deliver(box, ['x@servfail.com']);
    const done = finished(service, message.id);
    await service.release(message.id, undefined, 'api');
    const record = await done;
    expect(record.attempts.map((a) => a.outcome)).toEqual(['temporary', 'temporary']);
    expect(record.recipients[0]?.reply).toMatch(/^gave up after 2 attempt\(s\): MX lookup for servfail.com failed \(ESERVFAIL\)/);
  });

  it('refuses to deliver to itself (mail loop)', async () => {
    const { box: probe } = await mxBox(1);
    const ownPort = probe.port('smtp');
    await probe.stop(0);
    boxes = [];
    // The MX of blue.com is 127.0.0.1 and the release port is this instance's own SMTP port.
    const box = await startTestSandbox({ smtp: { host: '127.0.0.1', port: ownPort }, hostname: 'red.test', releaseMx: true, releaseAllowPrivate: true, releaseAllow: ['blue.com'], dnsServer: dns.address, releasePort: ownPort, ...fast });
    boxes.push(box);
    const service = box.release as ReleaseService;
    const message = await deliver(box);
    const record = asRecord(await service.release(message.id, undefined, 'api'));
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: expect.stringContaining('mail loop') });
    expect(box.store.stats().messages).toBe(1);
  });

  it('sends with a new Message-ID and an overridden From when asked, and the configured sender', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port, { releaseNewMessageId: true, releaseOverrideFrom: 'robot@red.com', releaseSender: 'bounces@red.com' });
    await service.release((await deliver(box)).id, undefined, 'api');
    const sent = s.messages[0];
    const text = sent?.raw.toString('latin1') ?? '';
    expect(sent?.mailFrom).toBe('bounces@red.com');
    expect(text).not.toContain('<lunch-1@red.com>');
    expect(text).toMatch(/\r\nMessage-ID: <[0-9a-f]{24}@red\.test>\r\n/);
    expect(text).toContain('\r\nFrom: <robot@red.com>\r\n');
    expect(text).toContain('\r\nX-Original-From: Alice <alice@red.com>\r\n');
    expect(text.endsWith('\r\n\r\nNoon?\r\n')).toBe(true);
  });
});

describe('what release refuses', () => {
  it('does not connect to loopback, private or special-use MX addresses unless allowed', async () => {
    let connections = 0;
    const s = await sink({ connect: () => (connections++, null) });
    const { box, service } = await mxBox(s.port, { releaseAllowPrivate: false });
    const record = asRecord(await service.release((await deliver(box)).id, undefined, 'api'));
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: expect.stringContaining('--release-allow-private') });
    expect(connections).toBe(0);
  });

  it('refuses recipients outside the allow-list and sends nothing', async () => {
    let connections = 0;
    const s = await sink({ connect: () => (connections++, null) });
    const { box, service } = await mxBox(s.port, { releaseAllow: ['bob@blue.com', '*@green.com'] });
    const message = await deliver(box);
    expect(await service.release(message.id, ['bob@blue.com', 'eve@blue.com', 'x@evil.com'], 'api')).toEqual({ refused: 'not-allowed', addresses: ['eve@blue.com', 'x@evil.com'] });
    expect(await service.release(message.id, ['carol@green.com', 'Bob <BOB@blue.com>'], 'api')).toMatchObject({ state: 'done' });
    expect(connections).toBe(2);
    expect(service.history.of(message.id)).toHaveLength(1);
  });

  it('refuses addresses that would break the SMTP command line', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port);
    const message = await deliver(box);
    for (const bad of ['bob@blue.com>\r\nRCPT TO:<x@evil.com', 'not an address', 'bob@', '']) {
      expect(await service.release(message.id, [bad], 'api')).toEqual({ refused: 'invalid-address', address: bad });
    }
    expect(await service.release(message.id, [], 'api')).toEqual({ refused: 'no-recipients' });
    expect(s.messages).toHaveLength(0);
  });

  it('refuses an unknown id and a deleted one', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port);
    expect(await service.release('nope', ['bob@blue.com'], 'api')).toEqual({ refused: 'not-found' });
    const message = await deliver(box);
    await box.store.remove([message.id]);
    expect(await service.release(message.id, ['bob@blue.com'], 'api')).toEqual({ refused: 'not-found' });
  });

  it('copes with the message being deleted while it is released, and forgets its history', async () => {
    const s = await sink();
    const { box, service } = await mxBox(s.port);
    const message = await deliver(box);
    const releasing = service.release(message.id, undefined, 'api');
    await box.store.remove([message.id]);
    const record = asRecord(await releasing);
    // The bytes taken when the release began are sent whole.
    expect(s.messages[0]?.raw.subarray(s.messages[0].raw.length - RAW.length).equals(RAW)).toBe(true);
    expect(record.recipients[0]?.state).toBe('delivered');
    expect(service.history.of(message.id)).toEqual([]);
  });

  it('cancels retries when the message is deleted', async () => {
    const s = await sink({ rcpt: () => ({ code: 451, message: '4.3.0 Later' }) });
    const { box, service } = await mxBox(s.port, { releaseRetry: [60_000] });
    const message = await deliver(box);
    const done = finished(service, message.id);
    await service.release(message.id, undefined, 'api');
    await box.store.clear();
    const record = await done;
    expect(record.state).toBe('cancelled');
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: expect.stringContaining('cancelled') });
    expect(record.attempts).toHaveLength(1);
    expect(service.history.size).toBe(0);
  });
});

describe('release through a smarthost', () => {
  it('authenticates and sends every recipient in one transaction', async () => {
    const s = await sink({ auth: { user: 'relay', password: 'pw' } });
    const box = await startTestSandbox({ releaseSmarthost: { host: '127.0.0.1', port: s.port }, releaseSmarthostUser: 'relay', releaseSmarthostPassword: 'pw', releaseAllowInsecure: true, ...fast });
    boxes.push(box);
    const service = box.release as ReleaseService;
    const record = asRecord(await service.release((await deliver(box, ['bob@blue.com', 'x@anywhere.org'])).id, undefined, 'api'));
    expect(record.recipients.every((r) => r.state === 'delivered')).toBe(true);
    expect(s.messages[0]).toMatchObject({ user: 'relay', rcptTo: ['bob@blue.com', 'x@anywhere.org'] });
    expect(record.attempts[0]?.transcript).toContain('C: AUTH PLAIN ****');
  });

  it('refuses a smarthost that is this very instance', async () => {
    const { box: probe } = await mxBox(1);
    const ownPort = probe.port('smtp');
    await probe.stop(0);
    boxes = [];
    const box = await startTestSandbox({ smtp: { host: '127.0.0.1', port: ownPort }, releaseSmarthost: { host: '127.0.0.1', port: ownPort }, releaseAllowInsecure: true, ...fast });
    boxes.push(box);
    const service = box.release as ReleaseService;
    const record = asRecord(await service.release((await deliver(box)).id, undefined, 'api'));
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: expect.stringContaining('mail loop') });
    expect(box.store.stats().messages).toBe(1);
  });

  it('will not send in plain text unless allowed', async () => {
    const s = await sink();
    const box = await startTestSandbox({ releaseSmarthost: { host: '127.0.0.1', port: s.port }, ...fast, releaseRetry: [] });
    boxes.push(box);
    const service = box.release as ReleaseService;
    const record = asRecord(await service.release((await deliver(box)).id, undefined, 'api'));
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: expect.stringContaining('does not offer STARTTLS') });
    expect(s.messages).toHaveLength(0);
  });
});
