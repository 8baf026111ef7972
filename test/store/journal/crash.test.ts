import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../../helpers/cli-process.js';

const LISTENERS = ['--smtp', '127.0.0.1:0', '--listen', 'off', '--pop3', 'off', '--imap', 'off', '--log-level', 'warn'];

describe('--data-dir across a crash', () => {
  let dir = '';
  const running: CliProcess[] = [];
  afterEach(async () => {
    for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Two CLI processes and a thousand fsynced messages: longer than the default timeout.
  it('keeps every message that got its 250 when killed with SIGKILL mid-load', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-crash-'));
    const first = await startCli([...LISTENERS, '--data-dir', dir], ['smtp']);
    running.push(first);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: first.ports.smtp, pool: true, maxConnections: 8, maxMessages: Infinity });
    const acknowledged = new Map<string, string>();
    let killed = false;
    const sends = Array.from({ length: 1_000 }, async (_, n) => {
      const raw = `From: app@red.com\r\nTo: user${n % 7}@blue.com\r\nSubject: load ${n}\r\n\r\nbody ${n} ${'x'.repeat(n % 300)}\r\n`;
      try {
        const info = await transport.sendMail({ envelope: { from: 'app@red.com', to: [`user${n % 7}@blue.com`] }, raw });
        const id = /queued as (\w+)/.exec(info.response)?.[1];
        if (id) acknowledged.set(id, raw);
        if (acknowledged.size >= 400 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      } catch {
        // Sends cut off by the crash never got a 250; they may or may not be kept.
      }
    });
    await Promise.all(sends);
    transport.close();
    expect(await first.exited).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(400);

    const second = await startCli(['--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off', '--log-level', 'warn', '--data-dir', dir], ['smtp', 'http']);
    running.push(second);
    for (const [id, raw] of acknowledged) {
      const response = await fetch(`http://127.0.0.1:${second.ports.http}/api/v1/message/${id}/raw`);
      expect(response.status, `message ${id}`).toBe(200);
      expect(await response.text()).toBe(raw);
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
