import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';

const script = fileURLToPath(new URL('./imaplib-client.py', import.meta.url));

describe.runIf(requireTool('python3'))('python3 imaplib against the IMAP front', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox();
  });
  afterAll(() => box.stop(0));

  it('logs in, lists, searches, fetches, stores, appends, copies and expunges', async () => {
    const user = 'py@blue.com';
    deliver(box.store, 'hello python', { to: user, body: 'snake' });
    deliver(box.store, 'second', { to: user });
    // Asynchronously: a synchronous spawn would block the event loop the server runs on.
    const run = await promisify(execFile)('python3', [script, String(box.port('imap')), user], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    const stored = box.store.folder(user, 'Archive')?.entries[0]?.message;
    expect(out).toMatchObject({
      login: 'OK',
      exists: 2,
      search: '1',
      copy: 'OK',
      expunge: ['1'],
      logout: 'BYE',
    });
    expect(out.capabilities).toContain('IMAP4REV1');
    expect(out.list).toContain('(\\HasNoChildren \\Sent) "/" Sent');
    expect(out.bodies).toEqual(box.store.messages().filter((m) => m.envelope.rcptTo.includes(user)).map((m) => m.raw.toString()));
    expect(out.store).toEqual(['1 (FLAGS (\\Flagged \\Recent))']);
    expect(String((out.append as string[])[0])).toMatch(/^\[APPENDUID \d+ 1\] APPEND completed$/);
    expect(stored?.summary.subject).toBe('hello python');
    expect(box.store.folder(user, 'INBOX')?.entries).toHaveLength(1);
    expect(box.store.folder(user, 'Drafts')?.entries[0]?.message.raw.toString()).toBe('Subject: from python\r\n\r\nhi\r\n');
  });
});

describe.runIf(requireTool('python3'))('python3 imaplib CRAM-MD5 (RFC 2195) against an auth file', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'imap-cram-')), 'users');
    writeFileSync(file, 'tim:tanstaaftanstaaf\n');
    box = await startTestSandbox({ smtpAuthFile: file });
  });
  afterAll(() => box.stop(0));

  /** imaplib's own login_cram_md5, then SELECT; prints the outcome as JSON. */
  const cram = `
import imaplib, json, sys
imap = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
try:
    typ, _ = imap.login_cram_md5(sys.argv[2], sys.argv[3])
    print(json.dumps({"login": typ, "select": imap.select("INBOX")[0]}))
except imaplib.IMAP4.error as error:
    print(json.dumps({"login": "NO", "error": str(error)}))
imap.logout()
`;

  it('logs in with the right secret and is refused with a wrong one', async () => {
    const run = (password: string) => promisify(execFile)('python3', ['-c', cram, String(box.port('imap')), 'tim', password], { encoding: 'utf8' });
    const right = await run('tanstaaftanstaaf');
    expect(right.stderr).toBe('');
    expect(JSON.parse(right.stdout)).toEqual({ login: 'OK', select: 'OK' });
    const wrong = await run('tanstaaf');
    expect(JSON.parse(wrong.stdout)).toEqual({ login: 'NO', error: expect.stringContaining('AUTHENTICATIONFAILED') });
  });
});
