import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { optionGroups, optionTable } from '../../server/config.js';
import { envName, flagName } from '../../server/lib/options.js';
import { numbered, queuedId } from '../smtp/fixtures.js';
import { dotStuff, ehlo, SmtpDialogue } from '../smtp/smtp-dialogue.js';

/** `letterbox …` as a user runs it (from source, through tsx), with its output collected. */
class Cli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  #watchers: Array<() => void> = [];

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.#notify();
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.#notify();
    });
    // 'close', not 'exit': the exit can be seen before the last of stderr is read.
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  #notify(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  /** Resolves once `test` holds for the output so far (checked on every new output). */
  until(test: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        this.#watchers = this.#watchers.filter((w) => w !== check);
        resolve();
      };
      this.#watchers.push(check);
      void this.exited.then(() => (test() ? resolve() : reject(new Error(`exited early:\n${this.stdout}\n${this.stderr}`))));
      check();
    });
  }
}

/** Every listener that is on by default, moved to an ephemeral loopback port. */
/** Every listener on port 0, but `except` (a flag given twice is refused). */
function portZeroFlags(except?: string): string[] {
  return Object.entries(optionTable).flatMap(([key, spec]) => {
    const value = spec.default as unknown;
    const flag = `--${flagName(key)}`;
    return value && typeof value === 'object' && 'port' in value && flag !== except ? [flag, '127.0.0.1:0'] : [];
  });
}

/** Starts the server with --ports-file; resolves once every bound address is printed. */
async function startServer(extra: string[] = []): Promise<{ cli: Cli; ports: Record<string, { host: string; port: number }> }> {
  const portsFile = join(await mkdtemp(join(tmpdir(), 'letterbox-cli-')), 'ports.json');
  const cli = new Cli([...portZeroFlags(), '--ports-file', portsFile, '--log-level', 'warn', ...extra]);
  await cli.until(() => /smtp\s+listening on/.test(cli.stdout));
  const ports = JSON.parse(await readFile(portsFile, 'utf8')) as Record<string, { host: string; port: number }>;
  await cli.until(() => cli.stdout.split('\n').filter((l) => l.includes('listening on')).length === Object.keys(ports).length);
  return { cli, ports };
}

/**
 * A new client gets no session: the connection is refused, or reset if it reached the
 * listen queue just before the listener closed, or greeted with 421.
 */
async function refusesNewSessions(port: number): Promise<boolean> {
  try {
    const smtp = await SmtpDialogue.open(port);
    const reply = await smtp.reply().catch(() => ({ code: 0 }));
    smtp.destroy();
    return reply.code === 421 || reply.code === 0;
  } catch (error) {
    return ['ECONNREFUSED', 'ECONNRESET'].includes((error as NodeJS.ErrnoException).code ?? '');
  }
}

const oneLine = (text: string) => text.split('\n').filter(Boolean);

describe('letterbox CLI', () => {
  it('--help lists every option with its default and variable', async () => {
    const cli = new Cli(['--help']);
    expect(await cli.exited).toBe(0);
    for (const key of Object.keys(optionTable)) {
      expect(cli.stdout).toContain(`--${flagName(key)}`);
      expect(cli.stdout).toContain(envName(key));
    }
    expect(cli.stdout.match(/\(default: /g)).toHaveLength(Object.keys(optionTable).length);
    expect(cli.stdout).toContain('  --smtp HOST:PORT\n');
    expect(cli.stdout).toContain('  --smtp-max-size SIZE\n');
    expect(cli.stdout).toContain('  --smtp-timeout DURATION\n');
    expect(cli.stdout).toContain('  --smtp-auth-file FILE\n');
    expect(cli.stdout).toContain('(default: 127.0.0.1:1025;');
    expect(cli.stdout).not.toContain('9007199254740991');
  });

  it('--help groups the options by front, each option in exactly one group', async () => {
    const grouped = optionGroups.flatMap((group) => Object.keys(group.options));
    expect([...grouped].sort()).toEqual(Object.keys(optionTable).sort());
    const cli = new Cli(['--help']);
    expect(await cli.exited).toBe(0);
    const headings = cli.stdout.split('\n').filter((line) => /^[A-Z].*:$/.test(line) && !/^(Commands|Options)\b/.test(line));
    expect(headings).toEqual(optionGroups.map((group) => `${group.title}:`));
    expect(headings.map((h) => h.split(/[ :]/)[0])).toEqual(['General', 'Storage', 'SMTP', 'HTTP', 'POP3', 'IMAP', 'Release', 'Test']);
  });

  it.concurrent.each([
    [['--no-such-option'], {}, /unknown option --no-such-option/],
    [['--smtp-max-size', 'lots'], {}, /--smtp-max-size: expected a size/],
    [['--smtp', 'localhost:70000'], {}, /not HOST:PORT/],
    [[], { LETTERBOX_MAX_MESSAGES: '-3' }, /LETTERBOX_MAX_MESSAGES/],
    [['frobnicate'], {}, /unknown command "frobnicate"/],
    [['--smtps', '127.0.0.1:0'], {}, /--smtps needs TLS/],
    [['--imap-require-tls', '--pop3s', '127.0.0.1:0'], {}, /--pop3s and --imap-require-tls need TLS/],
    [['--smtp-auth-file', '/nonexistent/users'], {}, /cannot read auth file/],
    [['--ui-dir', '/nonexistent/ui'], {}, /--ui-dir: \/nonexistent\/ui is not a folder/],
    [['--data-dir', 'package.json'], {}, /--data-dir: cannot keep mail in package\.json: it, or a folder above it, is a file/],
    [['--data-dir', 'package.json/mail'], {}, /--data-dir: cannot keep mail in package\.json\/mail: it, or a folder above it, is a file/],
    // Whoever waits for the file would wait for ever: the start fails instead, listeners closed.
    [[...portZeroFlags(), '--ports-file', '/nonexistent/dir/ports.json'], {}, /--ports-file: cannot write \/nonexistent\/dir\/ports\.json/],
    [[], { LETTERBOX_MAX_MESAGES: '3' }, /did you mean LETTERBOX_MAX_MESSAGES/],
    [['--label', 'a', '--label', 'b'], {}, /--label is given more than once/],
  ])('refuses %j %j with one line on stderr and exit code 2', async (args, env, message) => {
    const cli = new Cli(args, env as Record<string, string>);
    expect(await cli.exited).toBe(2);
    expect(oneLine(cli.stderr)).toHaveLength(1);
    expect(cli.stderr).toMatch(message);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(['--smtp', '--pop3', '--imap', '--listen'])('refuses a port in use for %s with one line that says how to move it, and exit code 2', async (option) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const cli = new Cli([...portZeroFlags(option), option, `127.0.0.1:${port}`]);
      expect(await cli.exited).toBe(2);
      expect(oneLine(cli.stderr)).toEqual([
        `letterbox: cannot listen on 127.0.0.1:${port}: address already in use (move it with ${option} HOST:PORT, or turn it off with ${option} off)`,
      ]);
    } finally {
      blocker.close();
    }
  });

  it('prints one line per bound address, writes them to --ports-file, and takes mail', async () => {
    const { cli, ports } = await startServer();
    try {
      expect(Object.keys(ports)).toContain('smtp');
      for (const [name, at] of Object.entries(ports)) {
        expect(at.host).toBe('127.0.0.1');
        expect(at.port).toBeGreaterThan(0);
        expect(cli.stdout).toMatch(new RegExp(`^${name}\\s+listening on 127\\.0\\.0\\.1:${at.port}$`, 'm'));
      }
      const { smtp } = await ehlo(ports.smtp?.port ?? 0);
      const sent = await smtp.send('a@red.example', ['b@blue.example'], numbered(1));
      expect(sent.code).toBe(250);
      queuedId(sent.text);
      await smtp.quit();
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s stops accepting, lets the open transaction finish, and exits 0', async (signal) => {
    const { cli, ports } = await startServer();
    const port = ports.smtp?.port ?? 0;
    const { smtp } = await ehlo(port);
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    const raw = dotStuff(numbered(2));
    smtp.write(raw.subarray(0, 30));
    cli.child.kill(signal);
    await cli.until(() => cli.stdout.includes(`${signal}: stopping`));
    expect(await refusesNewSessions(port)).toBe(true);
    smtp.write(Buffer.concat([raw.subarray(30), Buffer.from('.\r\n')]));
    expect((await smtp.reply()).code).toBe(250);
    expect((await smtp.reply()).code).toBe(421);
    await smtp.closed;
    expect(await cli.exited).toBe(0);
    expect(cli.stderr).toBe('');
  });

  it('a transaction that does not finish is cut off after --shutdown-grace, and the exit is still 0', async () => {
    const { cli, ports } = await startServer(['--shutdown-grace', '200ms']);
    const { smtp } = await ehlo(ports.smtp?.port ?? 0);
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    cli.child.kill('SIGTERM');
    await smtp.closed;
    expect(await cli.exited).toBe(0);
  });
});
