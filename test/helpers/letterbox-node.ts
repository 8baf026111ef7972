import { readFileSync } from 'node:fs';
import { startCli, type CliProcess } from './cli-process.js';

/** A Letterbox CLI process with SMTP, HTTP and IMAP on 127.0.0.1 port 0, no store limits. */
export interface LetterboxNode {
  cli: CliProcess;
  smtp: number;
  imap: number;
  /** http://127.0.0.1:port */
  base: string;
  /** Resident set size now, from /proc (Linux). */
  rssBytes(): number;
  /** SIGKILL: no shutdown of any kind, as a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/** Starts a node; with `database` (postgres://…) it is one node of the sandbox kept there. */
export async function startNode(database?: string): Promise<LetterboxNode> {
  const args = ['--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--imap', '127.0.0.1:0', '--pop3', 'off', '--max-messages', '0', '--max-bytes', '0', '--log-level', 'warn'];
  const cli = await startCli(database ? [...args, '--database', database] : args, ['smtp', 'http', 'imap']);
  const port = (name: string) => cli.ports[name] as number;
  const signal = async (name: NodeJS.Signals) => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill(name);
    await cli.exited;
  };
  return {
    cli,
    smtp: port('smtp'),
    imap: port('imap'),
    base: `http://127.0.0.1:${port('http')}`,
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${cli.child.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}

/** Every message id a node lists, page by page through the API. */
export async function listedIds(node: LetterboxNode): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let start = 0; ; start += PAGE) {
    const response = await fetch(`${node.base}/api/v1/messages?start=${start}&limit=${PAGE}`);
    if (!response.ok) throw new Error(`list: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { messages: Array<{ ID: string }> };
    for (const m of page.messages) ids.add(m.ID);
    if (page.messages.length < PAGE) return ids;
  }
}
const PAGE = 1_000;

/** Resolves once a message matching `query` is on the node (server-side wait-for); false after `timeout`. */
export async function waitFor(node: LetterboxNode, query: string, timeout = '60s'): Promise<boolean> {
  const response = await fetch(`${node.base}/api/v1/wait?query=${encodeURIComponent(query)}&timeout=${timeout}`);
  return response.ok;
}
