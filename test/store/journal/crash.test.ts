import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startLetterboxProcess, type LetterboxProcess } from '../../../examples/cli-process/letterbox-process.js';

/** The CLI from source, as a user would run it. */
const LETTERBOX = [process.execPath, '--import', 'tsx', fileURLToPath(new URL('../../../server/main.ts', import.meta.url))];

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('--data-dir across a crash', () => {
  let dir = '';
  const running: LetterboxProcess[] = [];
  afterEach(async () => {
    for (const box of running.splice(0)) await box.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Two CLI processes and a thousand fsynced messages: longer than the default timeout.
  it('keeps every message that got its 250 when killed with SIGKILL mid-load', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-crash-'));
    const start = () => startLetterboxProcess({ command: LETTERBOX, args: ['--log-level', 'warn', '--data-dir', dir] });
    const first = await start();
    running.push(first);
    const transport = nodemailer.createTransport({ host: first.smtp.host, port: first.smtp.port, pool: true, maxConnections: 8, maxMessages: Infinity });
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
          process.kill(first.pid, 'SIGKILL');
        }
      } catch {
        // Sends cut off by the crash never got a 250; they may or may not be kept.
      }
    });
    await Promise.all(sends);
    transport.close();
    await first.stop();
    expect(killed).toBe(true);
    expect(isRunning(first.pid)).toBe(false);
    expect(acknowledged.size).toBeGreaterThanOrEqual(400);

    const second = await start();
    running.push(second);
    for (const [id, raw] of acknowledged) {
      const response = await fetch(`${second.url}api/v1/message/${id}/raw`);
      expect(response.status, `message ${id}`).toBe(200);
      expect(await response.text()).toBe(raw);
    }
  });
});
