import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { OptionError } from '../../server/lib/options.js';
import { startLetterbox, type Letterbox } from '../../server/index.js';

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/** A webhook receiver on 127.0.0.1:0 that answers each call with the next status of a script (then 200). */
async function receiver(statuses: number[] = []) {
  const calls: Received[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      calls.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(statuses.shift() ?? 200).end();
      for (const w of waiting.filter((w) => calls.length >= w.count)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    calls,
    /** Resolves once this many calls have arrived. */
    calledTimes: (count: number) => (calls.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function sendMany(box: Letterbox, subjects: string[]): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtp!.port, secure: false, ignoreTLS: true });
  try {
    for (const subject of subjects) await transport.sendMail({ from: 'app@red.com', to: 'bob@blue.com', subject, text: `body of ${subject}` });
  } finally {
    transport.close();
  }
}

const ok = (body: string, secret: string, header: string | string[] | undefined) => {
  const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(body).digest('hex'));
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
};

describe('webhooks', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a receiver that fails the first two calls gets every event exactly once, in order, signed', async () => {
    const hook = await receiver([500, 503]);
    cleanups.push(hook.close);
    const secret = 's3cret';
    const box = await startLetterbox({ webhookUrl: hook.url, webhookSecret: secret, webhookBackoff: 20 });
    cleanups.push(() => box.stop());
    const subjects = ['one', 'two', 'three', 'four'];
    await sendMany(box, subjects);
    // Two failed calls, then one success per message.
    await hook.calledTimes(subjects.length + 2);
    const accepted = hook.calls.slice(2);
    const payloads = accepted.map((call) => JSON.parse(call.body) as { ID: string; Subject: string; Snippet: string; From: unknown; To: unknown[] });
    expect(payloads.map((p) => p.Subject)).toEqual(subjects);
    expect(payloads.map((p) => p.ID)).toEqual(box.store.messages().map((m) => m.id));
    expect(new Set(payloads.map((p) => p.ID)).size).toBe(subjects.length);
    // Mailpit's `new` shape, snippet included.
    expect(payloads[0]).toMatchObject({ Subject: 'one', Snippet: 'body of one', From: { Name: '', Address: 'app@red.com' }, To: [{ Name: '', Address: 'bob@blue.com' }], Read: false, Tags: [] });
    for (const call of hook.calls) {
      expect(call.headers['content-type']).toBe('application/json');
      expect(ok(call.body, secret, call.headers['x-letterbox-signature-256'])).toBe(true);
      expect(ok(call.body, 'wrong', call.headers['x-letterbox-signature-256'])).toBe(false);
    }
    expect(hook.calls.slice(0, 3).map((c) => c.headers['x-letterbox-attempt'])).toEqual(['1', '2', '3']);
    expect(hook.calls.slice(0, 3).every((c) => c.body === hook.calls[0]?.body)).toBe(true);
  });

  it('sends no signature without a secret, and the label when set', async () => {
    const hook = await receiver();
    cleanups.push(hook.close);
    const box = await startLetterbox({ webhookUrl: hook.url, label: 'ci-box' });
    cleanups.push(() => box.stop());
    await sendMany(box, ['plain']);
    await hook.calledTimes(1);
    expect(hook.calls[0]?.headers['x-letterbox-signature-256']).toBeUndefined();
    expect(hook.calls[0]?.headers['mailpit-label']).toBe('ci-box');
  });

  it('counts and logs an event dropped after every attempt failed, and goes on with the next', async () => {
    const hook = await receiver([500, 500]);
    cleanups.push(hook.close);
    const lines: string[] = [];
    const box = await startLetterbox({ webhookUrl: hook.url, webhookAttempts: 2, webhookBackoff: 10, logLevel: 'warn', logFormat: 'json' });
    cleanups.push(() => box.stop());
    const restore = captureStderr(lines);
    try {
      await sendMany(box, ['lost', 'kept']);
      await hook.calledTimes(3);
    } finally {
      restore();
    }
    expect(JSON.parse(hook.calls[2]!.body).Subject).toBe('kept');
    const dropped = lines.map((l) => JSON.parse(l) as { msg: string; id?: string; dropped?: number }).find((l) => l.msg.includes('dropped'));
    expect(dropped).toMatchObject({ id: box.store.messages()[0]?.id, dropped: 1 });
  });

  it('logs why a call failed: the network error under fetch\'s "fetch failed"', async () => {
    // A port nothing listens on any more: every call is refused.
    const gone = await receiver();
    await gone.close();
    const lines: string[] = [];
    const box = await startLetterbox({ webhookUrl: gone.url, webhookAttempts: 1, logLevel: 'warn', logFormat: 'json' });
    cleanups.push(() => box.stop());
    let logged: () => void = () => undefined;
    const failed = new Promise<void>((resolve) => (logged = resolve));
    const restore = captureStderr(lines, (line) => line.includes('webhook call failed') && logged());
    try {
      await sendMany(box, ['refused']);
      await failed;
    } finally {
      restore();
    }
    const entry = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string }).find((l) => l.msg === 'webhook call failed');
    expect(entry?.reason).toMatch(/^fetch failed: .*ECONNREFUSED/);
  });

  it('a full queue drops new events, each counted and logged, and keeps what it holds', async () => {
    // A receiver that holds its first call open until told to answer.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const bodies: string[] = [];
    let firstArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString());
        firstArrived();
        void held.then(() => response.writeHead(204).end());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const lines: string[] = [];
    const box = await startLetterbox({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, webhookQueue: 1, logLevel: 'warn', logFormat: 'json' });
    cleanups.push(() => box.stop());
    const restore = captureStderr(lines);
    try {
      await sendMany(box, ['held']);
      await arrived;
      await sendMany(box, ['over 1', 'over 2']);
    } finally {
      restore();
    }
    const drops = lines.map((l) => JSON.parse(l) as { msg: string; id: string; dropped: number }).filter((l) => l.msg.includes('queue full'));
    expect(drops.map((d) => d.id)).toEqual(box.store.messages().slice(1).map((m) => m.id));
    expect(drops.map((d) => d.dropped)).toEqual([1, 2]);
    release();
    expect(bodies.map((b) => (JSON.parse(b) as { Subject: string }).Subject)).toEqual(['held']);
  });

  it('refuses a webhook URL that is not http(s)', () => {
    expect(() => loadConfig(['--webhook-url', 'ftp://x/y'], {})).toThrow(OptionError);
    expect(() => loadConfig(['--webhook-url', 'not a url'], {})).toThrow(/not a URL/);
  });
});

/** Collects what the logger writes to stderr while a test step runs. */
function captureStderr(lines: string[], onLine: (line: string) => void = () => undefined): () => void {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    const added = String(chunk).split('\n').filter(Boolean);
    lines.push(...added);
    for (const line of added) onLine(line);
    return true;
  }) as typeof process.stderr.write;
  return () => {
    process.stderr.write = write;
  };
}
