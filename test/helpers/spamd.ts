import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { requireTool } from './tools.js';

/** Whether SpamAssassin tests run: skipped visibly without spamd, a failure under CI=true. */
export const hasSpamd = (): boolean => requireTool('spamd');

export interface Spamd {
  port: number;
  stop(): Promise<void>;
}

/**
 * A real spamd from Debian's package on a loopback port it picks itself (port 0). Local
 * tests only (-L): no DNS blocklist or other network test leaves this machine. spamd
 * logs the port it was given, not the one bound, so that is read from the kernel's
 * table of listening sockets by the inodes of spamd's own descriptors.
 */
export async function startSpamd(): Promise<Spamd> {
  const child = spawn('spamd', ['--listen=127.0.0.1:0', '-u', 'nobody', '--nouser-config', '-L', '-s', 'stderr', '--max-children=1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await ready(child);
    return { port: await listeningPort(child.pid as number), stop: async () => void (child.kill('SIGTERM'), await exited) };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Resolves once spamd says it has a child ready to take a connection. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      log = (log + text).slice(-4000);
      if (log.includes('server successfully spawned child process')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`spamd exited (${code}) before it was ready:\n${log}`)));
  });
}

async function listeningPort(pid: number): Promise<number> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  // /proc/net/tcp: sl local_address rem_address st … inode; st 0A = LISTEN.
  for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
    const cells = line.trim().split(/\s+/);
    if (cells[3] === '0A' && inodes.has(cells[9] ?? '')) return parseInt((cells[1] ?? '').split(':')[1] ?? '', 16);
  }
  throw new Error(`spamd (pid ${pid}) has no listening socket`);
}
