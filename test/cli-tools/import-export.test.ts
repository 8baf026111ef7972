import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../server/cli/export.js';
import { importCommand } from '../../server/cli/import.js';
import { readMbox } from '../../server/transfer/mbox.js';
import { readZip } from '../../server/transfer/zip-reader.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { storedBytes } from '../helpers/stored-bytes.js';
import { requireTool } from '../helpers/tools.js';
import { LETTERBOX, runCli, runInProcess, runShell } from './run-command.js';

const FIXTURES = join(import.meta.dirname, '..', 'transfer', 'fixtures');

describe('letterbox import and export', () => {
  let fixtures: Buffer[];
  let dir: string;
  const boxes: TestSandbox[] = [];
  const start = async () => {
    const box = await startTestSandbox({ pop3: null, imap: null });
    boxes.push(box);
    return { box, smtp: `127.0.0.1:${box.port('smtp')}`, url: `http://127.0.0.1:${box.port('http')}/` };
  };

  beforeAll(async () => {
    const names = (await readdir(FIXTURES)).sort();
    fixtures = await Promise.all(names.map((name) => readFile(join(FIXTURES, name))));
    dir = await mkdtemp(join(tmpdir(), 'letterbox-roundtrip-'));
  });
  afterAll(async () => {
    await Promise.all(boxes.map((box) => box.stop(0)));
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips the fixture set byte for byte: .eml → import → mbox → import → zip', async () => {
    const first = await start();
    const imported = await runInProcess(importCommand, ['--smtp-addr', first.smtp, FIXTURES]);
    expect(imported).toMatchObject({ status: 0, stdout: `imported ${fixtures.length} messages, 0 failed\n` });
    expect(await storedBytes(first.box.store)).toEqual(fixtures);
    // The envelope comes from the header: every To, Cc and Bcc.
    expect(first.box.store.messages()[5]?.envelope.rcptTo).toEqual(['bob@blue.com', 'dave@blue.com']);
    expect(first.box.store.messages()[3]?.envelope.rcptTo).toEqual(['bob@blue.com', 'secret@blue.com']);

    const mbox = join(dir, 'first.mbox');
    const exported = await runInProcess(exportCommand, ['--url', first.url, '-o', mbox]);
    expect(exported).toMatchObject({ status: 0, stdout: `exported ${fixtures.length} messages to ${mbox}\n` });
    const records = readMbox(await readFile(mbox));
    expect(records.map((r) => r.raw)).toEqual(fixtures);
    expect(records.map((r) => r.sender)).toEqual(first.box.store.messages().map((m) => m.envelope.mailFrom));

    const second = await start();
    expect((await runInProcess(importCommand, ['--smtp-addr', second.smtp, mbox])).status).toBe(0);
    expect(await storedBytes(second.box.store)).toEqual(fixtures);

    const zip = join(dir, 'second.zip');
    expect((await runInProcess(exportCommand, ['--url', second.url, '-o', zip])).status).toBe(0);
    const entries = readZip(await readFile(zip));
    expect(entries.map((e) => e.data)).toEqual(fixtures);
    expect(entries.map((e) => e.name)).toEqual(second.box.store.messages().map((m, i) => `${String(i + 1).padStart(5, '0')}-${m.id}.eml`));

    const third = await start();
    expect((await runInProcess(importCommand, ['--smtp-addr', third.smtp, zip])).status).toBe(0);
    expect(await storedBytes(third.box.store)).toEqual(fixtures);
  });

  it('exports only what a search finds, and says how many', async () => {
    const { box, smtp, url } = await start();
    await runInProcess(importCommand, ['--smtp-addr', smtp, FIXTURES]);
    const response = await fetch(`${url}api/v1/export?format=mbox&query=${encodeURIComponent('subject:"Plain hello"')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/mbox');
    expect(response.headers.get('x-letterbox-messages')).toBe('1');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="letterbox-.*\.mbox"$/);
    expect(readMbox(Buffer.from(await response.arrayBuffer())).map((r) => r.raw)).toEqual([fixtures[0]]);
    expect(box.store.messages()).toHaveLength(fixtures.length);
  });

  it('refuses a bad format or search with a 400', async () => {
    const { url } = await start();
    expect((await fetch(`${url}api/v1/export?format=tar`)).status).toBe(400);
    expect((await fetch(`${url}api/v1/export?query=${encodeURIComponent('before:"not a date"')}`)).status).toBe(400);
  });

  it('imports a Unix file with CRLF line endings, or as it is with --keep-line-endings (plus the CRLF that ends DATA)', async () => {
    const { box, smtp } = await start();
    const file = join(dir, 'unix.eml');
    await writeFile(file, 'To: bob@blue.com\nSubject: unix\n\n.dot\nbody\n');
    await runInProcess(importCommand, ['--smtp-addr', smtp, file]);
    await runInProcess(importCommand, ['--smtp-addr', smtp, '--keep-line-endings', file]);
    expect((await storedBytes(box.store)).map(String)).toEqual(['To: bob@blue.com\r\nSubject: unix\r\n\r\n.dot\r\nbody\r\n', 'To: bob@blue.com\nSubject: unix\n\n.dot\nbody\n\r\n']);
  });

  it('reports a message without recipients and goes on; --to delivers it anyway', async () => {
    const { box, smtp } = await start();
    const file = join(dir, 'nobody.eml');
    await writeFile(file, 'Subject: to nobody\r\n\r\nx\r\n');
    const refused = await runInProcess(importCommand, ['--smtp-addr', smtp, file, join(FIXTURES, '01-plain.eml')]);
    expect(refused.status).toBe(65);
    expect(refused.stderr).toMatch(/nobody\.eml: no recipient/);
    expect(refused.stdout).toBe('imported 1 message, 1 failed\n');
    const forced = await runInProcess(importCommand, ['--smtp-addr', smtp, '--to', 'inbox@blue.com', file]);
    expect(forced.status).toBe(0);
    expect(box.store.messages().at(-1)?.envelope.rcptTo).toEqual(['inbox@blue.com']);
  });

  it('runs as `letterbox import` and `letterbox export -o -` from the command line', async () => {
    const { smtp, url } = await start();
    const imported = await runCli(['import', '--smtp-addr', smtp, join(FIXTURES, '01-plain.eml')]);
    expect(imported).toMatchObject({ status: 0, stdout: 'imported 1 message, 0 failed\n' });
    const exported = await runCli(['export', '--url', url, '-o', '-']);
    expect(exported.status).toBe(0);
    expect(readMbox(Buffer.from(exported.stdout, 'latin1')).length).toBe(1);
    expect(exported.stdout).toContain('Subject: Plain hello\r\n');
  });
});

/** Runs the command under a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function onTerminal(command: string): Promise<{ status: number; stdout: string }> {
  return runShell(`script -qec '${command}' /dev/null < /dev/null`);
}

describe.runIf(requireTool('script'))('import and export progress', () => {
  let box: TestSandbox;
  let dir: string;
  let out: string;
  beforeAll(async () => {
    box = await startTestSandbox({ pop3: null, imap: null });
    dir = await mkdtemp(join(tmpdir(), 'letterbox-progress-'));
    out = await mkdtemp(join(tmpdir(), 'letterbox-progress-out-'));
    for (let i = 0; i < 3; i++) await writeFile(join(dir, `m${i}.eml`), `To: bob@blue.com\r\nSubject: ${i}\r\n\r\nbody ${i}\r\n`);
  });
  afterAll(async () => {
    await box.stop(0);
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  it('draws a progress line on a terminal, cleared before the summary', async () => {
    const imported = await onTerminal(`${LETTERBOX} import --smtp-addr 127.0.0.1:${box.port('smtp')} ${dir}`);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/\r\x1b\[Kimporting: \d+ messages, [\d.]+ (B|KB), \d+ messages\/s/);
    expect(imported.stdout).toMatch(/\r\x1b\[Kimported 3 messages, 0 failed\r?\n$/);
    const exported = await onTerminal(`${LETTERBOX} export --url http://127.0.0.1:${box.port('http')}/ -o ${join(out, 'all.mbox')}`);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/\r\x1b\[Kexporting 3 messages: [\d.]+ (B|KB), [\d.]+ (B|KB|MB)\/s/);
  });

  it('stays quiet when its output is not a terminal', async () => {
    const imported = await runCli(['import', '--smtp-addr', `127.0.0.1:${box.port('smtp')}`, dir]);
    expect(imported).toMatchObject({ status: 0, stderr: '', stdout: 'imported 3 messages, 0 failed\n' });
    const exported = await runCli(['export', '--url', `http://127.0.0.1:${box.port('http')}/`, '-o', join(out, 'quiet.mbox')]);
    expect(exported).toMatchObject({ status: 0, stderr: '' });
  });
});
