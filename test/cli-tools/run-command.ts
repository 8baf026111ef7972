import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { Command } from '../../server/cli/io.js';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a subcommand in this process with the given standard input. */
export async function runInProcess(command: Command, argv: string[], stdin: string | Buffer = '', env: Record<string, string> = {}): Promise<CommandResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const status = await command(argv, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, env });
  return { status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `letterbox …` as a child process (through tsx, from the sources), feeding stdin. */
export function runCli(argv: string[], stdin: string | Buffer = '', env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts'), ...argv], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(stdin);
  });
}

/** Runs a shell pipeline (sh -c), without blocking this process's event loop. */
export function runShell(script: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** The `letterbox` command line, from source. */
export const LETTERBOX = `"${process.execPath}" --import tsx "${join(ROOT, 'server', 'main.ts')}"`;
