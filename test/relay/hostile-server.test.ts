/**
 * Release against servers that break RFC 5321 or flood: what is recorded stays small,
 * a kept connection that is spoken to out of turn is dropped, a reply mixing codes is
 * no verdict, and a smarthost that is this instance by name is a mail loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { releaseDto } from '../../server/http/release-dto.js';
import type { ReleaseRecord } from '../../server/relay/release-history.js';
import type { ReleaseService } from '../../server/relay/release-service.js';
import { createSmtpClient, type SmtpClient, type TransactionResult } from '../../server/relay/smtp-client.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startScripted, within, type Answer, type ScriptedServer } from './scripted-smtp.js';

const message = Buffer.from('From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: hi\r\n\r\nHello.\r\n');
const timeouts = { connect: 2_000, greeting: 1_000, command: 1_000, data: 1_000 };
/** 99 continuation lines of 4,000 bytes, then the last line: as much as one reply may hold. */
const flood = (code: number, last: string) => `${`${code}-${'R'.repeat(4_000)}\r\n`.repeat(99)}${code} ${last}\r\n`;

let servers: ScriptedServer[] = [];
let clients: SmtpClient[] = [];
let boxes: TestSandbox[] = [];
afterEach(async () => {
  await Promise.all([...clients.map((c) => c.close()), ...boxes.map((b) => b.stop(0))]);
  await Promise.all(servers.map((s) => s.close()));
  [servers, clients, boxes] = [[], [], []];
});

async function scripted(answer?: Answer, greeting?: string): Promise<ScriptedServer> {
  const server = await startScripted(answer, greeting);
  servers.push(server);
  return server;
}

function client(keepAliveMs = 0): SmtpClient {
  const made = createSmtpClient({ keepAliveMs, maxIdlePerTarget: 2 });
  clients.push(made);
  return made;
}

function send(via: SmtpClient, port: number, rcptTo: string[]): Promise<TransactionResult> {
  return via.send({ target: { host: '127.0.0.1', port, servername: 'scripted.test', tls: 'opportunistic', verifyCertificate: false }, helo: 'red.test', mailFrom: 'alice@red.com', rcptTo, data: message, timeouts });
}

const bytes = (lines: readonly string[]) => lines.reduce((n, l) => n + l.length, 0);

describe('what a release records of a server that says too much', () => {
  it('keeps the beginning and end of the transcript, marks the cut, and clips each line and reply', async () => {
    // Every RCPT answered with ~400 KB; the refused ones' reply is that long too.
    const server = await scripted((line) => (line.startsWith('RCPT TO:<no') ? flood(550, '5.1.1 no such user') : line.startsWith('RCPT') ? flood(250, 'ok') : undefined));
    const rcptTo = Array.from({ length: 20 }, (_, i) => (i % 2 ? `no${i}@blue.com` : `bob${i}@blue.com`));
    const result = await send(client(), server.port, rcptTo);
    expect(result.recipients.filter((r) => r.status === 'delivered')).toHaveLength(10);
    expect(result.recipients.filter((r) => r.status === 'permanent')).toHaveLength(10);
    for (const r of result.recipients) expect(r.reply.length).toBeLessThanOrEqual(600);
    expect(result.recipients.find((r) => r.status === 'permanent')?.reply).toMatch(/^550 R+… \d+ bytes left out …$/);
    // Some 8 MB came; a few tens of KB are kept, with the greeting and the verdict on the data.
    expect(bytes(result.transcript)).toBeLessThan(20_000);
    for (const line of result.transcript) expect(line.length).toBeLessThanOrEqual(600);
    expect(result.transcript[0]).toMatch(/^-- connecting to/);
    expect(result.transcript).toContain('S: 220 scripted.test ESMTP');
    expect(result.transcript.some((l) => /^… \d+ bytes left out …$/.test(l))).toBe(true);
    expect(result.transcript.slice(-4)).toEqual(['C: .', 'S: 250 2.0.0 queued', 'C: QUIT', 'S: 221 bye']);
  });

  it('keeps a release record, its API answer and its live event small over many attempts', async () => {
    // Each attempt: every RCPT floods, then the data is put off (451), so the release retries.
    const server = await scripted((line) => (line.startsWith('RCPT') ? flood(250, 'ok') : line === '.' ? '451 4.3.0 try later\r\n' : undefined));
    const box = await startTestSandbox({ releaseSmarthost: { host: '127.0.0.1', port: server.port }, releaseAllowInsecure: true, releaseRetry: [1, 1, 1], releaseRate: null });
    boxes.push(box);
    const service = box.release as ReleaseService;
    const stored = await box.store.deliver({ raw: message, envelope: { mailFrom: 'alice@red.com', rcptTo: Array.from({ length: 10 }, (_, i) => `bob${i}@blue.com`) }, client: { address: '127.0.0.9', helo: 'laptop', via: 'smtp' } });
    const done = new Promise<ReleaseRecord>((resolve) => service.on('finished', ({ record }) => resolve(record)));
    await service.release(stored.id, undefined, 'api');
    const record = await within(done, 20_000, 'the release finishing');
    expect(record.attempts).toHaveLength(4);
    expect(record.recipients.every((r) => r.state === 'failed' && r.reply.includes('451 4.3.0 try later'))).toBe(true);
    // The newest attempt keeps its (bounded) transcript; older ones are summarised once the release passes its budget.
    expect(record.attempts.at(-1)?.transcript).toContain('S: 451 4.3.0 try later');
    // Bounded once, by the client: the record keeps the counts of what was left out, of the session and of each clipped line.
    const counts = (record.attempts.at(-1)?.transcript ?? []).flatMap((l) => /… (\d+) bytes left out …$/.exec(l)?.[1] ?? []).map(Number);
    expect(counts.length).toBeGreaterThan(1);
    for (const count of counts) expect(count).toBeGreaterThan(1_000);
    expect(record.attempts[0]?.transcript).toEqual([expect.stringMatching(/^… \d+ bytes left out …$/)]);
    expect(JSON.stringify(releaseDto(record)).length).toBeLessThan(80_000);
  });
});

describe('a reply whose lines carry different codes (RFC 5321 §4.2.1)', () => {
  it('is no verdict: a temporary failure with the reason and the lines in the transcript', async () => {
    const server = await scripted((line) => (line === '.' ? '550-5.7.1 rejected\r\n250 2.0.0 queued\r\n' : undefined));
    const result = await send(client(), server.port, ['bob@blue.com']);
    expect(result.recipients).toEqual([{ address: 'bob@blue.com', status: 'temporary', reply: expect.stringMatching(/mixing codes 550 and 250/) }]);
    expect(result.transcript).toEqual(expect.arrayContaining(['S: 550-5.7.1 rejected', 'S: 250 2.0.0 queued']));
  });

  it('at RCPT too, and the session ends', async () => {
    const server = await scripted((line) => (line.startsWith('RCPT') ? '550-5.1.1 no such user\r\n250 ok\r\n' : undefined));
    const result = await send(client(), server.port, ['bob@blue.com']);
    expect(result.recipients[0]).toMatchObject({ status: 'temporary', reply: expect.stringMatching(/RFC 5321 §4.2.1/) });
    expect(server.messages).toBe(0);
  });
});

describe('a kept-open connection the server talks on out of turn', () => {
  for (const [what, bytes] of [
    ['a line with no end', 'A'.repeat(65_536)],
    ['a flood of short lines', '250 x\r\n'.repeat(10_000)],
  ] as const) {
    it(`is dropped at the first byte of ${what}, and the next message connects again`, async () => {
      const server = await scripted();
      const keeping = client(60_000);
      expect((await send(keeping, server.port, ['bob@blue.com'])).recipients[0]?.status).toBe('delivered');
      const kept = server.connections[0];
      if (!kept) throw new Error('no connection');
      for (let i = 0; i < 4; i++) kept.socket.write(bytes);
      await within(kept.closed, 2_000, 'the client dropping the connection');
      expect((await send(keeping, server.port, ['bob@blue.com'])).recipients[0]?.status).toBe('delivered');
      expect(server.connections).toHaveLength(2);
    });
  }

  it('a flood during a session ends it rather than queue every line', async () => {
    // The greeting comes with 5,000 more lines no command asked for.
    const server = await scripted(undefined, '220 hello\r\n' + '220 again\r\n'.repeat(5_000));
    const result = await send(client(), server.port, ['bob@blue.com']);
    expect(result.recipients[0]).toMatchObject({ status: 'temporary', reply: expect.stringContaining('more lines than were asked for') });
    expect(server.messages).toBe(0);
  });
});

describe('a smarthost that is this very instance by name', () => {
  it('is a mail loop: nothing is sent, the recipient fails for good', async () => {
    const probe = await startTestSandbox();
    const ownPort = probe.port('smtp');
    await probe.stop(0);
    const box = await startTestSandbox({ smtp: { host: '127.0.0.1', port: ownPort }, releaseSmarthost: { host: 'localhost', port: ownPort }, releaseAllowInsecure: true, releaseRetry: [] });
    boxes.push(box);
    const service = box.release as ReleaseService;
    const stored = await box.store.deliver({ raw: message, envelope: { mailFrom: 'alice@red.com', rcptTo: ['x@loop.test'] }, client: { address: '127.0.0.9', helo: 'laptop', via: 'smtp' } });
    const record = await service.release(stored.id, undefined, 'api');
    if ('refused' in record) throw new Error(record.refused);
    expect(record.recipients[0]).toMatchObject({ state: 'failed', reply: expect.stringContaining('mail loop') });
    expect(record.attempts).toHaveLength(1);
    expect(box.store.stats().messages).toBe(1);
  });
});
