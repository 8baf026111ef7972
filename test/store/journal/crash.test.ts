import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startLetterboxProcess, type LetterboxProcess } from '../../../examples/cli-process/letterbox-process.js';

/** The CLI from source, as a user would run it. */
const LETTERBOX = [process.execPath, '--import', 'tsx', fileURLToPath(new URL('../../../server/main.ts', import.meta.url))];

/** For the compaction case: messages big enough that a few dozen pass the compaction floor (8 MiB) and twice the live data. */
const MAX_MESSAGES = 4;
const BODY = 'y'.repeat(512 * 1024);

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

  // A FIFO stands in for a slow disk (below): POSIX only.
  it.skipIf(process.platform === 'win32')('keeps every message that got its 250 when killed while the journal is being compacted', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-compaction-crash-'));
    const start = () => startLetterboxProcess({ command: LETTERBOX, args: ['--log-level', 'warn', '--data-dir', dir, '--max-messages', String(MAX_MESSAGES)] });
    const first = await start();
    running.push(first);

    // The compacted journal is written beside the live one under this name. A FIFO
    // there is a disk that takes the snapshot only as fast as this test reads it: the
    // compaction is surely under way, and stuck, when the process is killed.
    const temporary = join(dir, 'journal.lbx.new');
    await promisify(execFile)('mkfifo', [temporary]);
    let compacting = false;
    const reader = open(temporary, 'r').then((handle) => {
      compacting = true;
      return handle;
    });
    let held: FileHandle | undefined;
    try {
      const transport = nodemailer.createTransport({ host: first.smtp.host, port: first.smtp.port });
      const acknowledged: Array<{ id: string; raw: string }> = [];
      const send = async (n: number) => {
        const raw = `From: app@red.com\r\nTo: user@blue.com\r\nSubject: big ${n}\r\n\r\n${BODY}\r\n`;
        const info = await transport.sendMail({ envelope: { from: 'app@red.com', to: ['user@blue.com'] }, raw });
        const id = /queued as (\w+)/.exec(info.response)?.[1];
        if (id) acknowledged.push({ id, raw });
      };
      let n = 0;
      while (!compacting && n < 100) await send(n++);
      expect(compacting).toBe(true);
      held = await reader;
      // The snapshot starts to flow, then is held: the compaction cannot finish.
      const { bytesRead } = await held.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, null);
      expect(bytesRead).toBeGreaterThan(0);
      // Mail is still accepted meanwhile, each 250 waiting only for its own record's fsync.
      const sentBefore = acknowledged.length;
      for (let more = 0; more < 2 * MAX_MESSAGES; more++) await send(n++);
      expect(acknowledged.length).toBe(sentBefore + 2 * MAX_MESSAGES);
      transport.close();

      process.kill(first.pid, 'SIGKILL');
      await first.stop();

      const second = await start();
      running.push(second);
      // The half-written compacted file was dropped; the journal it was to replace is whole.
      await expect(stat(temporary)).rejects.toMatchObject({ code: 'ENOENT' });
      const live = acknowledged.slice(-MAX_MESSAGES);
      const { messages } = await second.client.list();
      expect(messages.map((m) => m.ID).sort()).toEqual(live.map((m) => m.id).sort());
      for (const { id, raw } of live) {
        const response = await fetch(`${second.url}api/v1/message/${id}/raw`);
        expect(response.status, `message ${id}`).toBe(200);
        expect(await response.text()).toBe(raw);
      }
    } finally {
      if (!compacting) await unblock(temporary);
      await (held ?? (await reader)).close();
    }
  });
});

/** A reader still waiting for a writer would hold a thread of this process: be that writer. */
async function unblock(fifo: string): Promise<void> {
  const writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
  await writer?.close();
}
