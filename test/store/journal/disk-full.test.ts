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

describe.runIf(canMountSmallDisk())('a --data-dir whose disk fills up', () => {
  let folder: string;
  let letterbox: CliProcess;
  let api: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'letterbox-full-disk-'));
    letterbox = await startCli(['--data-dir', join(folder, 'data'), '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--imap', 'off', '--pop3', 'off'], ['smtp', 'http'], {}, [...IN_SMALL_DISK, folder]);
    api = `http://127.0.0.1:${letterbox.ports.http}/`;
  }, 30_000);

  afterAll(async () => {
    letterbox?.child.kill('SIGTERM');
    await letterbox?.exited;
    await rm(folder, { recursive: true, force: true });
  });


  it('refuses mail with 451 and keeps no copy of it, says so once, and /readyz turns not ready', async () => {
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
  let folder: string;
  let letterbox: CliProcess;
  let api: string;
  const ops = { authorization: `Basic ${Buffer.from('ops:pw-ops').toString('base64')}` };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'letterbox-full-disk-inboxes-'));
    // The inboxes file lies outside the small disk; every message goes to the one inbox.
    const file = join(folder, 'inboxes.json');
    await writeFile(file, JSON.stringify({ inboxes: { team: {} }, users: { ops: { password: 'pw-ops', inboxes: ['*'] } }, unrouted: 'team' }));
    const disk = join(folder, 'disk');
    await mkdir(disk);
    letterbox = await startCli(['--data-dir', join(disk, 'data'), '--inboxes', file, '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--imap', 'off', '--pop3', 'off'], ['smtp', 'http'], {}, [...IN_SMALL_DISK, disk]);
    api = `http://127.0.0.1:${letterbox.ports.http}/`;
  }, 30_000);

  afterAll(async () => {
    letterbox?.child.kill('SIGTERM');
    await letterbox?.exited;
    await rm(folder, { recursive: true, force: true });
  });

  it("turns /readyz not ready once an inbox's journal refused a write, and keeps no copy of refused mail", async () => {
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
