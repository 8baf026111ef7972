import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../../helpers/cli-process.js';
import { sendSmtp } from '../../helpers/inbox-sandbox.js';

/** Runs a command in a mount namespace of its own with a small tmpfs at "$0": a disk that fills, gone with the process. */
const IN_SMALL_DISK = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=160k tmpfs "$0" && exec "$@"'];

/** Whether this machine lets a test mount a tmpfs in a namespace of its own (root); under CI=true it must. */
function canMountSmallDisk(): boolean {
  const ok = spawnSync(IN_SMALL_DISK[0] as string, [...IN_SMALL_DISK.slice(1), tmpdir(), 'true']).status === 0;
  if (!ok && process.env.CI === 'true') throw new Error('a full disk cannot be made here (unshare --mount needs root); CI runs as root');
  if (!ok) console.warn('skipping the full-disk test: unshare --mount needs root');
  return ok;
}

/** A message of about 20 KB over SMTP; its reply code. */
const send = (letterbox: CliProcess, subject: string) =>
  sendSmtp(letterbox.ports.smtp, undefined, { from: 'app@red.example', to: 'qa@blue.example', subject, text: `${subject}\n${'a line of mail that fills the disk\n'.repeat(600)}` }).then(
    () => 250,
    (error: { responseCode?: number }) => error.responseCode,
  );

/**
 * Letterbox started on a small disk of its own at `<folder>/disk`, its data there, with
 * `extra` flags (given the folder, for files kept off the disk); stopped and removed after the describe.
 */
function onSmallDisk(extra: (folder: string) => Promise<string[]> = async () => []) {
  const running = { folder: '', letterbox: undefined as unknown as CliProcess, api: '' };
  beforeAll(async () => {
    running.folder = await mkdtemp(join(tmpdir(), 'letterbox-full-disk-'));
    const disk = join(running.folder, 'disk');
    await mkdir(disk);
    const flags = ['--data-dir', join(disk, 'data'), ...(await extra(running.folder)), '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--imap', 'off', '--pop3', 'off'];
    running.letterbox = await startCli(flags, ['smtp', 'http'], {}, [...IN_SMALL_DISK, disk]);
    running.api = `http://127.0.0.1:${running.letterbox.ports.http}/`;
  }, 30_000);
  afterAll(async () => {
    running.letterbox?.child.kill('SIGTERM');
    await running.letterbox?.exited;
    await rm(running.folder, { recursive: true, force: true });
  });
  return running;
}

describe.runIf(canMountSmallDisk())('a --data-dir whose disk fills up', () => {
  const running = onSmallDisk();


  it('refuses mail with 451 and keeps no copy of it, says so once, and /readyz turns not ready', async () => {
    const { letterbox, api } = running;
    let accepted = 0;
    for (let i = 0; i < 40 && (await send(letterbox, `fits ${i}`)) === 250; i++) accepted++;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(40);
    // The sender tries again, as a 451 asks: each try is refused, and none is kept.
    for (let i = 0; i < 3; i++) expect(await send(letterbox, 'again')).toBe(451);
    const listed = (await (await fetch(`${api}api/v1/messages`)).json()) as { messages_count: number; messages: Array<{ Subject: string }> };
    expect(listed.messages_count).toBe(accepted);
    expect(listed.messages.every((m) => m.Subject.startsWith('fits '))).toBe(true);
    const ready = await fetch(`${api}readyz`);
    expect(ready.status).toBe(503);
    expect(letterbox.stderr().match(/the journal cannot be written/g)).toHaveLength(1);
    expect(letterbox.stderr()).toMatch(/ENOSPC/);
  }, 60_000);
});

describe.runIf(canMountSmallDisk())('team inboxes in a --data-dir whose disk fills up', () => {
  const ops = { authorization: `Basic ${Buffer.from('ops:pw-ops').toString('base64')}` };
  // The inboxes file lies off the small disk; every message goes to the one inbox.
  const running = onSmallDisk(async (folder) => {
    const file = join(folder, 'inboxes.json');
    await writeFile(file, JSON.stringify({ inboxes: { team: {} }, users: { ops: { password: 'pw-ops', inboxes: ['*'] } }, unrouted: 'team' }));
    return ['--inboxes', file];
  });

  it("turns /readyz not ready once an inbox's journal refused a write, and keeps no copy of refused mail", async () => {
    const { letterbox, api } = running;
    expect((await fetch(`${api}readyz`)).status).toBe(200);
    let accepted = 0;
    for (let i = 0; i < 40 && (await send(letterbox, `fits ${i}`)) === 250; i++) accepted++;
    expect(accepted).toBeLessThan(40);
    expect(await send(letterbox, 'again')).toBe(451);
    const listed = (await (await fetch(`${api}inbox/team/api/v1/messages`, { headers: ops })).json()) as { messages_count: number };
    expect(listed.messages_count).toBe(accepted);
    expect((await fetch(`${api}readyz`)).status).toBe(503);
  }, 60_000);
});
