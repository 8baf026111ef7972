import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox({ smtpMaxSize: 1024 });
});
afterAll(async () => box.stop(0));

const metrics = async () => (await fetch(`http://127.0.0.1:${box.port('http')}/metrics`)).text();
const sample = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);

/** Opens a raw connection and waits for the greeting, so the server has counted it. */
async function openSession(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'data');
  return socket;
}

describe('/metrics and /api/v1/info see the protocol fronts', () => {
  it('counts open connections per protocol', async () => {
    const before = sample(await metrics(), 'letterbox_connections{protocol="smtp"}') || 0;
    const sessions = await Promise.all([openSession(box.port('smtp')), openSession(box.port('smtp'))]);
    expect(sample(await metrics(), 'letterbox_connections{protocol="smtp"}')).toBe(before + 2);
    for (const socket of sessions) {
      const closed = once(socket, 'close');
      socket.end('QUIT\r\n');
      await closed;
    }
  });

  it('counts refused messages as SMTPRejected', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp') });
    await expect(transport.sendMail({ from: 'a@red.com', to: 'b@blue.com', text: 'x'.repeat(4096) })).rejects.toThrow(/552/);
    transport.close();
    expect(sample(await metrics(), 'letterbox_messages_rejected_total{protocol="smtp"}')).toBe(1);
    const info = (await (await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/info`)).json()) as { RuntimeStats: { SMTPRejected: number } };
    expect(info.RuntimeStats.SMTPRejected).toBe(1);
  });

  it('shows the derived-data cache and the worker pool: a parsed view is made once, then read from the cache', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp') });
    const sent = await transport.sendMail({ from: 'a@red.com', to: 'b@blue.com', subject: 'cached', text: 'a body to parse' });
    transport.close();
    const id = /queued as (\S+)/i.exec(sent.response)?.[1];
    const before = await metrics();
    const read = () => fetch(`http://127.0.0.1:${box.port('http')}/api/v1/message/${id}`).then((response) => response.json());
    await read();
    await read();
    const after = await metrics();
    const delta = (name: string) => sample(after, name) - sample(before, name);
    expect(delta('letterbox_derived_cache_misses_total')).toBe(1);
    expect(delta('letterbox_derived_cache_hits_total')).toBe(1);
    expect(sample(after, 'letterbox_derived_cache_bytes')).toBeGreaterThan(0);
    expect(sample(after, 'letterbox_derived_cache_max_bytes')).toBeGreaterThanOrEqual(sample(after, 'letterbox_derived_cache_bytes'));
    expect(after).toMatch(/^# TYPE letterbox_worker_jobs_total counter$/m);
    expect(sample(after, 'letterbox_worker_jobs_pending')).toBeGreaterThanOrEqual(0);
  });
});
