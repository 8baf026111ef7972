import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../server/store/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startSink, type SmtpSink } from './smtp-sink.js';

const RAW = Buffer.from('From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: API release\r\n\r\nHi\r\n');

let dns: TestDnsServer;
let sink: SmtpSink;
let box: TestSandbox;
let off: TestSandbox;
let base: string;

beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  sink = await startSink({
    rcpt: (address) =>
      address.startsWith('gone@') ? { code: 550, message: '5.1.1 No such user' } : address.startsWith('later@') ? { code: 451, message: '4.3.0 Try later' } : null,
  });
  box = await startTestSandbox({
    releaseMx: true, releaseAllowPrivate: true,
    releaseAllow: ['blue.com'],
    releaseNewMessageId: true,
    dnsServer: dns.address,
    releasePort: sink.port,
    releaseRetry: [60_000],
  });
  off = await startTestSandbox();
  base = `http://127.0.0.1:${box.port('http')}`;
});
afterAll(async () => {
  await Promise.all([box.stop(0), off.stop(0), sink.close()]);
  await dns.close();
});

const deliver = (target: TestSandbox): Promise<StoredMessage> => target.store.deliver({ raw: RAW, envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } });

async function post(path: string, body: string, at = base): Promise<{ status: number; text: string }> {
  const response = await fetch(at + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, text: await response.text() };
}

describe('POST /api/v1/message/{ID}/release', () => {
  it('releases through the mailpit-api client and answers ok', async () => {
    const message = await deliver(box);
    const client = new MailpitClient(base);
    expect(await client.releaseMessage(message.id, { To: ['bob@blue.com'] })).toBe('ok');
    expect(sink.messages.at(-1)?.rcptTo).toEqual(['bob@blue.com']);

    const response = await fetch(`${base}/api/v1/message/${message.id}/releases`);
    const body = (await response.json()) as { Enabled: boolean; Releases: Array<Record<string, unknown>> };
    expect(body.Enabled).toBe(true);
    expect(body.Releases).toHaveLength(1);
    expect(body.Releases[0]).toMatchObject({
      Trigger: 'api',
      Mode: 'mx',
      Status: 'done',
      Recipients: [{ Address: 'bob@blue.com', Status: 'delivered', Attempts: 1 }],
      Attempts: [{ Host: 'mx.blue.com', Address: `127.0.0.1:${sink.port}`, Outcome: 'delivered', DNS: ['blue.com MX 10 mx.blue.com', 'mx.blue.com A/AAAA: 127.0.0.1'] }],
    });
    const attempts = body.Releases[0]?.['Attempts'] as Array<{ Transcript: string[] }>;
    expect(attempts[0]?.Transcript).toContain('C: RCPT TO:<bob@blue.com>');
  });

  it('answers Mailpit\'s 400 texts for bad recipients, and sends nothing', async () => {
    const message = await deliver(box);
    const before = sink.messages.length;
    expect(await post(`/api/v1/message/${message.id}/release`, '{"To":["eve@evil.com","bob@blue.com"]}')).toEqual({ status: 400, text: 'Failed: Address(es) do not match the allowlist: eve@evil.com' });
    expect(await post(`/api/v1/message/${message.id}/release`, '{"To":["not an address"]}')).toEqual({ status: 400, text: 'Invalid email address: not an address' });
    expect(await post(`/api/v1/message/${message.id}/release`, '{"To":[]}')).toEqual({ status: 400, text: 'No valid addresses found' });
    expect((await post(`/api/v1/message/${message.id}/release`, '{"To":"bob@blue.com"}')).status).toBe(400);
    expect((await post(`/api/v1/message/${message.id}/release`, '{"To":')).status).toBe(400);
    expect(sink.messages.length).toBe(before);
  });

  it('reports a 5xx as an SMTP error and a 4xx as accepted for retry', async () => {
    const message = await deliver(box);
    expect(await post(`/api/v1/message/${message.id}/release`, '{"To":["gone@blue.com"]}')).toEqual({ status: 400, text: 'SMTP error: gone@blue.com: 550 5.1.1 No such user' });
    const retry = await post(`/api/v1/message/${message.id}/release`, '{"To":["later@blue.com"]}');
    expect(retry.status).toBe(202);
    expect(retry.text).toContain('451 4.3.0 Try later');
    const response = await fetch(`${base}/api/v1/message/${message.id}/releases`, { headers: { accept: 'application/json' } });
    const body = (await response.json()) as { Releases: Array<{ Recipients: Array<{ Status: string; NextAttempt: string | null }> }> };
    expect(body.Releases.map((r) => r.Recipients[0]?.Status)).toEqual(['failed', 'retrying']);
    expect(body.Releases[1]?.Recipients[0]?.NextAttempt).toEqual(expect.any(String));
  });

  it('answers 404 for an unknown or deleted message', async () => {
    expect(await post('/api/v1/message/nope/release', '{"To":["bob@blue.com"]}')).toEqual({ status: 404, text: '404 page not found' });
    const message = await deliver(box);
    await box.store.remove([message.id]);
    expect((await post(`/api/v1/message/${message.id}/release`, '{"To":["bob@blue.com"]}')).status).toBe(404);
    expect((await fetch(`${base}/api/v1/message/${message.id}/releases`)).status).toBe(404);
  });

  it('says release is not configured when it is off', async () => {
    const message = await deliver(off);
    const at = `http://127.0.0.1:${off.port('http')}`;
    const refused = await post(`/api/v1/message/${message.id}/release`, '{"To":["bob@blue.com"]}', at);
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/^Release is not configured/);
    expect(await (await fetch(`${at}/api/v1/message/${message.id}/releases`)).json()).toEqual({ Enabled: false, Releases: [] });
  });

  it('shows the release config in /api/v1/webui', async () => {
    const config = await new MailpitClient(base).getConfiguration();
    expect(config.MessageRelay).toMatchObject({ Enabled: true, SMTPServer: 'MX', AllowedRecipients: '@blue\\.com$', PreserveMessageIDs: false });
    expect((await new MailpitClient(`http://127.0.0.1:${off.port('http')}`).getConfiguration()).MessageRelay.Enabled).toBe(false);
  });
});

describe('release progress on the WebSocket', () => {
  it('announces the start, each attempt and the end of a release as `release` events', async () => {
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(`ws://127.0.0.1:${box.port('http')}/api/events`);
    const frames: Array<{ Type: string; Data: { ID: string; Release: { Status: string; Attempts: unknown[] } } }> = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));
    const message = await deliver(box);
    const finished = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { Type: string; Data: { ID: string; Release: { Status: string } } };
        if (frame.Type === 'release' && frame.Data.ID === message.id && frame.Data.Release.Status === 'done') resolve();
      }),
    );
    expect((await post(`/api/v1/message/${message.id}/release`, JSON.stringify({ To: ['bob@blue.com'] }))).text).toBe('ok');
    await finished;
    socket.close();
    const mine = frames.filter((f) => f.Type === 'release' && f.Data.ID === message.id);
    expect(mine.map((f) => f.Data.Release.Attempts.length)).toEqual([0, 1, 1]);
    expect(mine.at(-1)?.Data.Release.Status).toBe('done');
  });
});

describe('GET /api/v1/webui', () => {
  it("reports the release allow-list as a regular expression over addresses, as Mailpit's does", async () => {
    const webui = (await (await fetch(`${base}/api/v1/webui`)).json()) as { MessageRelay: { Enabled: boolean; AllowedRecipients: string } };
    expect(webui.MessageRelay.Enabled).toBe(true);
    const allowed = new RegExp(webui.MessageRelay.AllowedRecipients);
    expect(allowed.test('bob@blue.com')).toBe(true);
    expect(allowed.test('bob@blue.com.evil')).toBe(false);
    expect(allowed.test('eve@red.com')).toBe(false);
  });
});
