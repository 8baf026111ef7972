import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { storedBytes } from '../helpers/stored-bytes.js';
import { deliver } from './fixtures.js';

const run = promisify(execFile);

describe.runIf(requireTool('mbsync'))("isync's mbsync against the IMAP front", () => {
  let box: TestSandbox;
  let dir: string;
  let config: string;
  beforeAll(async () => {
    box = await startTestSandbox();
    dir = mkdtempSync(join(tmpdir(), 'mbsync-'));
    config = join(dir, 'mbsyncrc');
    mkdirSync(join(dir, 'mail'));
    writeFileSync(
      config,
      [
        'IMAPAccount letterbox',
        'Host 127.0.0.1',
        `Port ${box.port('imap')}`,
        'User mb@blue.com',
        'Pass anything',
        'SSLType None',
        'AuthMechs LOGIN',
        '',
        'IMAPStore remote',
        'Account letterbox',
        '',
        'MaildirStore local',
        `Path ${dir}/mail/`,
        `Inbox ${dir}/mail/INBOX`,
        'SubFolders Verbatim',
        '',
        'Channel sync',
        'Far :remote:',
        'Near :local:',
        'Patterns *',
        'Create Near',
        'Sync All',
        'Expunge Both',
        'SyncState *',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => box.stop(0));

  const sync = () => run('mbsync', ['--config', config, '--all'], { encoding: 'utf8' });
  const files = (folder: string) => readdirSync(join(dir, 'mail', folder, 'cur')).concat(readdirSync(join(dir, 'mail', folder, 'new')).map((f) => `../new/${f}`));

  it('syncs the account into a Maildir and pushes a flag change back', async () => {
    const a = await deliver(box.store, 'first for mbsync', { to: 'mb@blue.com' });
    const b = await deliver(box.store, 'second for mbsync', { to: 'mb@blue.com', body: 'second body' });
    await box.store.setFlags([a.id], 'add', ['\\Seen']);
    await sync();
    const inbox = files('INBOX');
    expect(inbox).toHaveLength(2);
    // Maildir keeps LF line ends, and mbsync adds its X-TUID tracking field.
    const local = (f: string) => readFileSync(join(dir, 'mail', 'INBOX', 'cur', f), 'utf8').replace(/^X-TUID: .*\n/m, '');
    const [remoteA, remoteB] = (await storedBytes(box.store, [a, b])).map((raw) => raw?.toString('utf8').replace(/\r\n/g, '\n'));
    expect(inbox.map(local).sort()).toEqual([remoteA, remoteB].sort());
    expect(inbox.find((f) => local(f) === remoteA)).toMatch(/:2,S$/);
    for (const folder of ['Sent', 'Drafts', 'Trash', 'Archive', 'Junk']) expect(files(folder)).toEqual([]);
    // Flag the second message locally (Maildir info "F"), then sync it up.
    const second = inbox.find((f) => local(f) === remoteB) ?? '';
    const base = join(dir, 'mail', 'INBOX', 'cur', second);
    const [name, info = '2,'] = second.replace(/^\.\.\/new\//, '').split(':');
    renameSync(base, join(dir, 'mail', 'INBOX', 'cur', `${name}:${info.includes('F') ? info : info.replace(/^2,/, '2,F')}`));
    await sync();
    expect(box.store.get(b.id)?.flags.has('\\Flagged')).toBe(true);
    expect(box.store.get(a.id)?.flags.has('\\Seen')).toBe(true);
  });

  it('with QRESYNC advertised, carries deletions both ways', async () => {
    const kept = await deliver(box.store, 'kept by both', { to: 'mb@blue.com' });
    const goneFar = await deliver(box.store, 'deleted on the server', { to: 'mb@blue.com' });
    const goneNear = await deliver(box.store, 'deleted in the Maildir', { to: 'mb@blue.com' });
    const { stdout } = await run('mbsync', ['-Dn', '--config', config, '--all'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toMatch(/CAPABILITY [^\n]* QRESYNC /);
    const subject = (f: string) => /^Subject: (.*)$/m.exec(readFileSync(join(dir, 'mail', 'INBOX', f.startsWith('../') ? 'new' : 'cur', f.replace(/^\.\.\/new\//, '')), 'utf8'))?.[1];
    expect(files('INBOX').map(subject)).toEqual(expect.arrayContaining(['kept by both', 'deleted on the server', 'deleted in the Maildir']));

    const uid = box.store.folder('mb@blue.com', 'INBOX')?.entries.find((e) => e.message.id === goneFar.id)?.uid ?? 0;
    await box.store.expunge('mb@blue.com', 'INBOX', [uid]);
    const near = files('INBOX').find((f) => subject(f) === 'deleted in the Maildir') ?? '';
    rmSync(join(dir, 'mail', 'INBOX', near.startsWith('../') ? 'new' : 'cur', near.replace(/^\.\.\/new\//, '')));
    await sync();

    const left = files('INBOX').map(subject);
    expect(left).toContain('kept by both');
    expect(left).not.toContain('deleted on the server');
    const remote = box.store.folder('mb@blue.com', 'INBOX')?.entries.map((e) => e.message.id) ?? [];
    expect(remote).toContain(kept.id);
    expect(remote).not.toContain(goneNear.id);
  });
});
