/**
 * The HTTP API under a full store: 100,000 stored 2 KB messages (varied subjects,
 * senders and bodies), then p50/p95 over loopback HTTP for the first list page, a
 * one-word subject search, a from: search and a full-text body search; and the
 * WebSocket `new` event's latency after the SMTP 250 reply (raw SMTP client, kept-open
 * connection). Reference measured in the same run: GET /livez, the cheapest HTTP
 * round trip this server makes (so ratios show what a route costs above the floor).
 *
 *   npm run bench api            (about a minute; BENCH_MESSAGES=20000 for a quick run)
 */
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import WebSocket from 'ws';
import { defaultConfig } from '../server/config.js';
import { silentLogger } from '../server/lib/log.js';
import { createSandbox } from '../server/sandbox.js';
import { quantile } from './lib/stats.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WS_ROUNDS = Number(process.env.BENCH_WS_ROUNDS ?? 500);

const TARGETS = { list: 5, subject: 50, from: 50, body: 250, ws: 5 };

// A deterministic generator, so every run stores the same corpus.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const WORDS = Array.from({ length: 3000 }, (_, i) => {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let w = '';
  for (let n = i + 1; n > 0; n = Math.floor(n / 26)) w += letters[n % 26];
  return w + 'o';
});
const SUBJECT_WORDS = ['invoice', 'welcome', 'password', 'receipt', 'shipping', 'newsletter', 'reminder', 'alert', 'report', 'invitation', 'statement', 'update'];
const SENDERS = Array.from({ length: 500 }, (_, i) => `sender${i}@domain${i % 37}.example`);

function message(i: number): Buffer {
  const subject = `${pick(SUBJECT_WORDS)} ${pick(WORDS)} #${i}`;
  const words: string[] = [];
  let size = 0;
  while (size < 1_650) {
    const w = pick(WORDS);
    words.push(w);
    size += w.length + 1;
  }
  // One message in a hundred carries the word the body search looks for.
  if (i % 100 === 7) words.splice(Math.floor(words.length / 2), 0, 'zebracrossing');
  const body = words.join(' ').replace(/(.{1,76})(\s|$)/g, '$1\r\n');
  return Buffer.from(
    `From: Sender ${i % 500} <${SENDERS[i % 500]}>\r\nTo: user${i % 1000}@example.test\r\nSubject: ${subject}\r\n` +
      `Message-ID: <m${i}@bench.example>\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

/**
 * Wall-clock p50/p95, and the mean CPU time per request of this process (server and
 * client together): on a busy machine wall time mostly measures the wait for a core,
 * CPU time what the request itself costs.
 */
async function timeRoute(url: string): Promise<{ p50: number; p95: number; hits: number; cpu: number }> {
  let hits = 0;
  for (let i = 0; i < 10; i++) await (await fetch(url)).arrayBuffer();
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const response = await fetch(url);
    const body = (await response.json()) as { messages_count?: number };
    samples.push(performance.now() - start);
    hits = body.messages_count ?? 0;
  }
  const cpu = process.cpuUsage(cpuBefore);
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), hits, cpu: (cpu.user + cpu.system) / 1000 / ROUNDS };
}

/** A minimal SMTP client on one kept-open connection: resolves each message at its final 250. */
class SmtpLine {
  #buffer = '';
  #waiters: Array<(line: string) => void> = [];
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let at: number;
      while ((at = this.#buffer.indexOf('\r\n')) >= 0) {
        const line = this.#buffer.slice(0, at);
        this.#buffer = this.#buffer.slice(at + 2);
        if (line[3] === '-') continue;
        this.#waiters.shift()?.(line);
      }
    });
  }
  static async open(port: number): Promise<SmtpLine> {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const client = new SmtpLine(socket);
    await client.reply();
    await client.command('EHLO bench.example');
    return client;
  }
  reply(): Promise<string> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  async command(line: string): Promise<string> {
    const reply = this.reply();
    this.socket.write(line + '\r\n');
    return reply;
  }
  /** Pipelined envelope and data (RFC 2920); resolves at the 250 that ends DATA. */
  async send(raw: string): Promise<void> {
    const replies = [this.reply(), this.reply(), this.reply()];
    this.socket.write('MAIL FROM:<ws@bench.example>\r\nRCPT TO:<ws@example.test>\r\nDATA\r\n');
    await Promise.all(replies);
    const done = this.reply();
    this.socket.write(raw + '\r\n.\r\n');
    const line = await done;
    if (!line.startsWith('250')) throw new Error(`SMTP: ${line}`);
  }
  close(): void {
    this.socket.end('QUIT\r\n');
  }
}

async function wsLatency(base: string, smtpPort: number): Promise<{ p50: number; p95: number }> {
  const ws = new WebSocket(base.replace('http', 'ws') + '/api/events');
  await new Promise((resolve) => ws.once('open', resolve));
  const seen = new Map<string, number>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { Type: string; Data: { Subject?: string } };
    if (frame.Type === 'new' && frame.Data.Subject) seen.set(frame.Data.Subject, performance.now());
  });
  const smtp = await SmtpLine.open(smtpPort);
  const samples: number[] = [];
  for (let i = 0; i < WS_ROUNDS + 20; i++) {
    const subject = `ws-${i}`;
    const arrived = new Promise<number>((resolve) => {
      const check = () => (seen.has(subject) ? resolve(seen.get(subject) as number) : setImmediate(check));
      check();
    });
    await smtp.send(`From: ws@bench.example\r\nTo: ws@example.test\r\nSubject: ${subject}\r\n\r\nhello`);
    const at250 = performance.now();
    const atEvent = await arrived;
    // The event is broadcast before the 250 is written, so it may even arrive first (counted as 0).
    if (i >= 20) samples.push(Math.max(0, atEvent - at250));
  }
  smtp.close();
  ws.close();
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95) };
}

const config = { ...defaultConfig(), listen: { host: '127.0.0.1', port: 0 }, smtp: { host: '127.0.0.1', port: 0 }, pop3: null, imap: null, maxMessages: 0, maxBytes: 0 };
const sandbox = await createSandbox(config as typeof config, { logger: silentLogger });
await sandbox.start();
const port = (name: string) => sandbox.listeners.find((l) => l.name === name)?.port ?? 0;
const base = `http://127.0.0.1:${port('http')}`;

const filling = performance.now();
let indexed = 0;
const allIndexed = new Promise<void>((resolve) => {
  const off = sandbox.store.on('indexed', () => {
    if (++indexed === MESSAGES) {
      off();
      resolve();
    }
  });
});
for (let i = 0; i < MESSAGES; i++) sandbox.store.deliver({ raw: message(i), envelope: { mailFrom: SENDERS[i % 500] as string, rcptTo: [`user${i % 1000}@example.test`] } });
await allIndexed;
const stats = sandbox.store.stats();
console.log(`stored and indexed ${stats.messages} messages (${(stats.bytes / stats.messages / 1024).toFixed(2)} KB each) in ${((performance.now() - filling) / 1000).toFixed(1)} s; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);

const reference = await timeRoute(`${base}/livez`).catch(async () => {
  // /livez is text; time it without JSON parsing.
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await (await fetch(`${base}/livez`)).text();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), hits: 0, cpu: 0 };
});

const rows: Array<[string, { p50: number; p95: number; hits?: number; cpu?: number }, number, 'p50' | 'p95']> = [
  ['list first page', await timeRoute(`${base}/api/v1/messages`), TARGETS.list, 'p95'],
  ['subject search (subject:invoice)', await timeRoute(`${base}/api/v1/search?query=subject:invoice`), TARGETS.subject, 'p95'],
  ['from: search (from:sender123@)', await timeRoute(`${base}/api/v1/search?query=${encodeURIComponent('from:sender123@')}`), TARGETS.from, 'p95'],
  ['body full-text (zebracrossing)', await timeRoute(`${base}/api/v1/search?query=zebracrossing`), TARGETS.body, 'p95'],
  ['WebSocket new after SMTP 250', await wsLatency(base, port('smtp')), TARGETS.ws, 'p50'],
];

// Wall-clock figures scale with how busy the machine is; say so beside them.
console.log(`\nmachine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min)`);
console.log(`reference GET /livez: p50 ${reference.p50.toFixed(2)} ms, p95 ${reference.p95.toFixed(2)} ms\n`);
console.log('| measure | p50 ms | p95 ms | CPU ms/request | hits | target | vs target | p50 / livez p50 |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, result, target, on] of rows) {
  const value = result[on];
  console.log(
    `| ${name} | ${result.p50.toFixed(2)} | ${result.p95.toFixed(2)} | ${result.cpu === undefined ? '-' : result.cpu.toFixed(2)} | ${result.hits ?? '-'} | ${on} ≤ ${target} ms | ${(value / target).toFixed(2)}× ${value <= target ? 'ok' : 'MISSED'} | ${(result.p50 / reference.p50).toFixed(1)}× |`,
  );
}
await sandbox.stop(0);
