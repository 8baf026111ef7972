import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf, storedBytes } from '../helpers/stored-bytes.js';
import { deliver } from './fixtures.js';

const script = fileURLToPath(new URL('./imaplib-client.py', import.meta.url));

describe.runIf(requireTool('python3'))('python3 imaplib against the IMAP front', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox();
  });
  afterAll(() => box.stop(0));

  it('logs in, lists, searches, sorts, threads, fetches, stores, appends, copies, expunges and subscribes', async () => {
    const user = 'py@blue.com';
    await deliver(box.store, 'hello python', { to: user, body: 'snake' });
    await deliver(box.store, 'second', { to: user });
    // Asynchronously: a synchronous spawn would block the event loop the server runs on.
    const run = await promisify(execFile)('python3', [script, String(box.port('imap')), user], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    const stored = box.store.folder(user, 'Archive')?.entries[0]?.message;
    expect(out).toMatchObject({
      login: 'OK',
      exists: 2,
      search: '1',
      sort: '2 1',
      thread: '(1)(2)',
      copy: 'OK',
      expunge: ['1'],
      // RFC 3501 §6.3.9: `%` stops at Py, which is not subscribed itself.
      lsub: ['() "/" Py/Child', '(\\Noselect) "/" Py'],
      lsub_after: [],
      logout: 'BYE',
    });
    expect(out.capabilities).toContain('IMAP4REV1');
    expect(out.list).toContain('(\\HasNoChildren \\Sent) "/" Sent');
    expect(out.bodies).toEqual((await storedBytes(box.store, box.store.messages().filter((m) => m.envelope.rcptTo.includes(user)))).map(String));
    expect(out.store).toEqual(['1 (FLAGS (\\Flagged \\Recent))']);
    expect(String((out.append as string[])[0])).toMatch(/^\[APPENDUID \d+ 1\] APPEND completed$/);
    expect(stored?.summary.subject).toBe('hello python');
    expect(box.store.folder(user, 'INBOX')?.entries).toHaveLength(1);
    expect((await bytesOf(box.store, box.store.folder(user, 'Drafts')?.entries[0]?.message))?.toString()).toBe('Subject: from python\r\n\r\nhi\r\n');
  });
});

describe.runIf(requireTool('python3'))('python3 imaplib: keywords announced to two sessions, BINARY with NUL', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox();
  });
  afterAll(() => box.stop(0));

  /** Two sessions on INBOX: one sets a new keyword, the other hears of it at NOOP; then a binary part. */
  const flow = `
import imaplib, json, sys
port, user = int(sys.argv[1]), sys.argv[2]
a, b = imaplib.IMAP4("127.0.0.1", port), imaplib.IMAP4("127.0.0.1", port)
out = {}
for imap in (a, b):
    imap.login(user, "x")
    imap.select("INBOX")
a.store("1", "+FLAGS", "($Py)")
out["a_flags"] = a.response("FLAGS")[1][-1].decode()
b.noop()
out["b_flags"] = b.response("FLAGS")[1][-1].decode()
out["b_fetch"] = [d.decode() for d in b.response("FETCH")[1]]
typ, data = a.fetch("2", "(BINARY.PEEK[1])")
out["binary"] = list(data[0][1])
typ, data = a.fetch("2", "(BODY.PEEK[1])")
out["body"] = list(data[0][1])
for imap in (a, b):
    imap.logout()
print(json.dumps(out))
`;

  it('both sessions get FLAGS with the keyword; a NUL comes whole in a literal8, as 0x80 in BODY[1]', async () => {
    const user = 'pykw@blue.com';
    await deliver(box.store, 'one', { to: user });
    const part = Buffer.from([0x00, 0x41, 0x0d, 0x0a]);
    await box.store.deliver({
      raw: Buffer.concat([Buffer.from('Subject: bin\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: binary\r\n\r\n'), part, Buffer.from('\r\n--b--\r\n')]),
      envelope: { mailFrom: 'a@red.com', rcptTo: [user] },
    });
    const run = await promisify(execFile)('python3', ['-c', flow, String(box.port('imap')), user], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out.a_flags).toBe('(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Py)');
    expect(out.b_flags).toBe(out.a_flags);
    expect(out.b_fetch).toEqual(['1 (UID 1 FLAGS ($Py))']);
    expect(out.binary).toEqual([...part]);
    expect(out.body).toEqual([0x80, 0x41, 0x0d, 0x0a]);
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
