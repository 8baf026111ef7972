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
// In your project: import { createClient, type LetterboxClient } from 'letterbox/client';
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
  const child = spawn(command!, [...commandArgs, '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off', '--ports-file', portsFile, ...(options.args ?? [])], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
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
      /** SIGTERM, then waits for the process to exit. Idempotent. */
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
