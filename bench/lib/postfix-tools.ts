/**
 * Postfix's own SMTP test tools as a reference (Debian's postfix package; postfix.org
 * smtp-sink(1), smtp-source(1)): smtp-sink, a C server that reads every message and
 * throws it away, and smtp-source, a C load generator (one process, many sessions, no
 * pipelining: it waits for each reply before the next command).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpuMs } from './process-cpu.js';

const SMTP_SINK = '/usr/sbin/smtp-sink';
const SMTP_SOURCE = '/usr/sbin/smtp-source';

/** Why the Postfix reference cannot run, or undefined when both tools are there. */
export function postfixToolsMissing(): string | undefined {
  if (process.platform !== 'linux') return 'the Postfix reference runs on Linux only (it reads /proc for smtp-sink\'s CPU time)';
  for (const tool of [SMTP_SINK, SMTP_SOURCE]) {
    try {
      accessSync(tool, constants.X_OK);
    } catch {
      return `${tool} is not installed (apt-get install -y postfix)`;
    }
  }
  return undefined;
}

export interface SmtpSink {
  port: number;
  /** CPU time smtp-sink has used so far, user + system, in µs. */
  cpu(): number;
  stop(): Promise<void>;
}

/** Starts smtp-sink on a free loopback port and resolves once it greets. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const port = await freePort();
  // smtp-sink refuses to run as root without a user to switch to once listening.
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  // 256 is the listen backlog; -m lifts the cap on sessions served at once above the bench's.
  const child = spawn(SMTP_SINK, [...user, '-m', '1024', `127.0.0.1:${port}`, '256'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await greets(port, child);
  return {
    port,
    cpu: () => cpuMs(child.pid as number) * 1000,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface SourceRun {
  /** Sessions at once (-s). */
  sessions: number;
  /** Messages in all (-m). */
  messages: number;
  /** Payload bytes per message, headers not counted (-l). */
  size: number;
  /** One session sends message after message (-d), else a new connection per message. */
  keptOpen: boolean;
}

/** Runs smtp-source against a port; resolves with the wall-clock seconds it took, or rejects when a reply was not the expected one. */
export function smtpSource(port: number, run: SourceRun): Promise<number> {
  const args = ['-s', String(run.sessions), '-m', String(run.messages), '-l', String(run.size), ...(run.keptOpen ? ['-d'] : [])];
  args.push('-M', 'bench.test', '-f', 'bench@red.example', '-t', 'sink@blue.example', '-S', 'ingest benchmark', `127.0.0.1:${port}`);
  const started = performance.now();
  const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (errors += text));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve(seconds);
      else reject(new Error(`smtp-source ${args.join(' ')} exited with ${code}: ${errors.trim()}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Tries to connect until a 220 arrives (smtp-sink takes a moment to bind), for 5 s at most. */
async function greets(port: number, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`smtp-sink exited with ${child.exitCode}`);
    if (await greeting(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGTERM');
  throw new Error('smtp-sink did not greet within 5 s');
}

function greeting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setEncoding('latin1');
    socket.once('data', (text: string) => {
      socket.end('QUIT\r\n');
      resolve(text.startsWith('220'));
    });
    socket.once('error', () => resolve(false));
  });
}
