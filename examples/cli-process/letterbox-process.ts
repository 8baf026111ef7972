/**
 * Recipe: Letterbox as a child process, for a suite that prefers a separate process
 * (or runs it from another toolchain): every listener on port 0, the bound ports read
 * from --ports-file once the process says it is listening. No fixed ports, no sleeps.
 *
 *   const box = await startLetterboxProcess();        // runs `npx letterbox`
 *   … box.smtp.port, box.client.waitForMessage(…) …
 *   await box.stop();
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// In your project: import { createClient, type LetterboxClient } from 'letterbox-mail/client';
import { createClient, type LetterboxClient } from '../../server/client/index.js';

export interface LetterboxProcess {
  smtp: { host: string; port: number };
  url: string;
  client: LetterboxClient;
  pid: number;
  stop(): Promise<void>;
}

export interface LetterboxProcessOptions {
  /** The command line that runs the CLI; default `npx letterbox` (the project's installed package). */
  command?: string[];
  /** Options added after the listener options. */
  args?: string[];
  /** The folder it runs in (where `npx` finds the package); default this process's. */
  cwd?: string;
}

export async function startLetterboxProcess(options: LetterboxProcessOptions = {}): Promise<LetterboxProcess> {
  const [command, ...commandArgs] = options.command ?? ['npx', 'letterbox'];
  const dir = await mkdtemp(join(tmpdir(), 'letterbox-'));
  const portsFile = join(dir, 'ports.json');
  // `npx` runs the CLI under a wrapper or two (npm exec, a shell) that do not pass a
  // signal on: the child leads a process group of its own, and stop() signals the group.
  const child = spawn(command!, [...commandArgs, '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off', '--ports-file', portsFile, ...(options.args ?? [])], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const group = child.pid!;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-group, signal);
    } catch {
      // The whole group has exited already.
    }
  };
  // Should this process end without stop(), nothing it started stays behind.
  const killOnExit = () => signalGroup('SIGKILL');
  process.once('exit', killOnExit);
  const finish = async (signal: NodeJS.Signals) => {
    signalGroup(signal);
    await exited;
    await groupGone(group, () => signalGroup('SIGKILL'));
    process.off('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
  };
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  try {
    // The ports file is written before the process prints its first "listening on" line.
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        if (text.includes('listening on')) resolve();
      });
      void exited.then((code) => reject(new Error(`letterbox exited (${code}) before listening: ${stderr.trim()}`)));
      child.once('error', reject);
    });
    const ports = JSON.parse(await readFile(portsFile, 'utf8')) as Record<string, { host: string; port: number }>;
    const smtp = ports.smtp;
    const http = ports.http;
    if (!smtp || !http) throw new Error(`ports file lacks smtp or http: ${JSON.stringify(ports)}`);
    const url = `http://${http.host}:${http.port}/`;
    return {
      smtp,
      url,
      client: createClient(url),
      pid: child.pid!,
      /** SIGTERM to the process and any wrapper around it, then waits until all have exited. Idempotent. */
      stop: () => finish('SIGTERM'),
    };
  } catch (error) {
    await finish('SIGKILL');
    throw error;
  }
}

/**
 * Resolves once no process of the group is left. A process that is not one's child
 * cannot be waited for, only looked for; one still there after the graceful-stop
 * window Letterbox allows itself (10 s) is killed.
 */
async function groupGone(group: number, kill: () => void): Promise<void> {
  const killAt = Date.now() + 15_000;
  for (;;) {
    try {
      process.kill(-group, 0);
    } catch {
      return;
    }
    if (Date.now() > killAt + 5_000) throw new Error(`process group ${group} did not exit, even after SIGKILL`);
    if (Date.now() > killAt) kill();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
