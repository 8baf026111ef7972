import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf, storedBytes } from '../helpers/stored-bytes.js';

/** Runs a command to completion; resolves with its exit code and output. */
function run(command: string, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const PYTHON_SEND = `
import smtplib, sys
port = int(sys.argv[1])
raw = sys.stdin.buffer.read()
with smtplib.SMTP('127.0.0.1', port) as s:
    s.ehlo('python.test')
    assert s.has_extn('pipelining') and s.has_extn('smtputf8') and s.has_extn('size')
    code, reply = s.docmd('NOOP')
    assert code == 250
    s.sendmail('py@red.example', ['bob@blue.example', 'carol@blue.example'], raw)
    s.sendmail('jörg@röd.example', ['björk@blå.example'], raw, mail_options=['SMTPUTF8'])
    try:
        s.sendmail('py@red.example', ['bob@blue.example'], b'x' * 2_000_000)
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
        print('refused', e.smtp_code)
    s.login('anyone', 'anything')
    s.sendmail('py@red.example', ['dave@blue.example'], raw)
print('ok')
`;

/**
 * The MAIL parameters EHLO offers, as smtplib sends them (its own lower-case size=N
 * included), go through; parameters it does not offer are refused with 555 and smtplib
 * reports them, and the session carries on.
 */
const PYTHON_PARAMETERS = `
import smtplib, sys
port = int(sys.argv[1])
raw = sys.stdin.buffer.read()
with smtplib.SMTP('127.0.0.1', port) as s:
    s.ehlo('python.test')
    assert s.has_extn('size') and s.has_extn('8bitmime') and s.has_extn('smtputf8') and s.has_extn('auth')
    s.sendmail('py@red.example', ['bob@blue.example'], raw, mail_options=['BODY=8BITMIME', 'SMTPUTF8', 'AUTH=<>'])
    for mail_options, rcpt_options in ((['FOO=BAR'], []), (['BODY=9BIT'], []), (['RET=HDRS'], []), ([], ['NOTIFY=SUCCESS'])):
        try:
            s.sendmail('py@red.example', ['carol@blue.example'], raw, mail_options=mail_options, rcpt_options=rcpt_options)
        except smtplib.SMTPSenderRefused as e:
            print('sender refused', e.smtp_code, e.smtp_error.decode()[:5])
        except smtplib.SMTPRecipientsRefused as e:
            print('recipients refused', [code for code, _ in e.recipients.values()])
    s.sendmail('py@red.example', ['dave@blue.example'], raw, mail_options=['body=7bit'])
print('ok')
`;

describe('real SMTP clients', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpMaxSize: 1_000_000, smtpAuthAcceptAny: true });
  });
  afterAll(() => box.stop(0));

  describe.runIf(requireTool('python3'))("python3's smtplib", () => {
    it('sends, gets 552 for oversize, authenticates, sends again', async () => {
      await box.store.clear();
      const raw = 'From: py@red.example\r\nTo: bob@blue.example\r\nSubject: from python\r\n\r\n.leading dot\r\nbody\r\n';
      const result = await run('python3', ['-c', PYTHON_SEND, String(box.port('smtp'))], raw);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('refused 552\nok\n');
      const stored = box.store.messages();
      expect(stored.map((m) => m.envelope)).toEqual([
        { mailFrom: 'py@red.example', rcptTo: ['bob@blue.example', 'carol@blue.example'] },
        { mailFrom: 'jörg@röd.example', rcptTo: ['björk@blå.example'] },
        { mailFrom: 'py@red.example', rcptTo: ['dave@blue.example'] },
      ]);
      for (const bytes of await storedBytes(box.store, stored)) expect(bytes?.toString()).toBe(raw);
      expect(stored[2]?.client.username).toBe('anyone');
    });
  });

  describe.runIf(requireTool('python3'))("python3's smtplib with MAIL and RCPT parameters", () => {
    it('sends with the parameters EHLO offers and is refused, 555, those it does not', async () => {
      await box.store.clear();
      const raw = 'From: py@red.example\r\nTo: bob@blue.example\r\nSubject: caf\u00e9\r\n\r\n8-bit body: \u00e9\r\n';
      const result = await run('python3', ['-c', PYTHON_PARAMETERS, String(box.port('smtp'))], raw);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(['sender refused 555 5.5.4', 'sender refused 555 5.5.4', 'sender refused 555 5.5.4', 'recipients refused [555]', 'ok', ''].join('\n'));
      const stored = box.store.messages();
      expect(stored.map((m) => m.envelope)).toEqual([
        { mailFrom: 'py@red.example', rcptTo: ['bob@blue.example'] },
        { mailFrom: 'py@red.example', rcptTo: ['dave@blue.example'] },
      ]);
      for (const bytes of await storedBytes(box.store, stored)) expect(bytes?.toString()).toBe(raw);
    });
  });

  describe.runIf(requireTool('swaks'))('swaks', () => {
    it('sends a message with pipelining and AUTH PLAIN', async () => {
      await box.store.clear();
      const result = await run('swaks', [
        '--server', `127.0.0.1:${box.port('smtp')}`,
        '--from', 'swaks@red.example',
        '--to', 'bob@blue.example,carol@blue.example',
        '--header', 'Subject: from swaks',
        '--body', 'hello from swaks\n.line with dot',
        '--pipeline',
        '--auth', 'PLAIN', '--auth-user', 'anyone', '--auth-password', 'anything',
        '--helo', 'swaks.test',
      ]);
      expect(result.code).toBe(0);
      const [message] = box.store.messages();
      expect(message?.envelope).toEqual({ mailFrom: 'swaks@red.example', rcptTo: ['bob@blue.example', 'carol@blue.example'] });
      expect(message?.summary.subject).toBe('from swaks');
      expect((await bytesOf(box.store, message))?.toString()).toContain('\r\n.line with dot\r\n');
      expect(result.stdout).toContain(`queued as ${message?.id}`);
    });
  });
});
