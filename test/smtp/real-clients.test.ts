import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

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

describe('real SMTP clients', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpMaxSize: 1_000_000, smtpAuthAcceptAny: true });
  });
  afterAll(() => box.stop(0));

  describe.runIf(requireTool('python3'))("python3's smtplib", () => {
    it('sends, gets 552 for oversize, authenticates, sends again', async () => {
      box.store.clear();
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
      for (const m of stored) expect(m.raw.toString()).toBe(raw);
      expect(stored[2]?.client.username).toBe('anyone');
    });
  });

  describe.runIf(requireTool('swaks'))('swaks', () => {
    it('sends a message with pipelining and AUTH PLAIN', async () => {
      box.store.clear();
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
      expect(message?.raw.toString()).toContain('\r\n.line with dot\r\n');
      expect(result.stdout).toContain(`queued as ${message?.id}`);
    });
  });
});
