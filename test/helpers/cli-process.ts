import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  /** Bound ports by listener name, read from the lines printed at start. */
  ports: Record<string, number>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/**
 * Runs the letterbox CLI (from source, through tsx) as a child process and waits
 * until it has printed one line per listener it was asked for. `wrap` is a command
 * that runs it (the node command line is appended to it), e.g. in a namespace of its own.
 */
export async function startCli(args: string[], listeners: string[], env: NodeJS.ProcessEnv = {}, wrap: string[] = []): Promise<CliProcess> {
  const command = [...wrap, process.execPath, '--import', 'tsx', MAIN, ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // 'close', not 'exit': the exit can be seen before the last of stderr is read.
  const exited = once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string);
  const ports: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const match of out.matchAll(/^(\w+)\s+listening on .*:(\d+)$/gm)) ports[match[1] as string] = Number(match[2]);
      if (listeners.every((name) => name in ports)) resolve();
    });
    exited.then((code) => reject(new Error(`letterbox exited (${code}) before listening: ${err}`)));
  });
  return { child, ports, exited, stdout: () => out, stderr: () => err };
}
