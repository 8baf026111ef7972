/**
 * Release: does auto-release slow down catching mail, and how fast does it release?
 *
 *   npm run bench release          (one to two minutes)
 *   BENCH_MESSAGES=500 npm run bench release
 *   BENCH_CPU_PROF=dir npm run bench release   (writes each server's --cpu-prof there)
 *
 * Same run, same client, alternating rounds: a Letterbox source with release off, then
 * one with --release-auto 'to:@blue.example' delivering by MX (a DNS server in this
 * process answers blue.example → 127.0.0.1) to a destination Letterbox. Source and
 * destination each run in their own process; this process is the load generator, a
 * lean raw-socket SMTP client pipelining (RFC 2920) over 4 kept-open connections.
 * Reported: ingest messages/s with release on vs off (the goal: ≥ 80%), and release
 * throughput (messages/s from the first message in to the last one released).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Replies } from './lib/smtp-replies.js';
import { median } from './lib/stats.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1500);
const CONNECTIONS = 4;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const here = fileURLToPath(import.meta.url);

type Role = 'destination' | 'source-off' | 'source-on';

interface Report {
  port?: number;
  stored?: number;
  released?: number;
  failed?: number;
}

// ---- The servers, each in a child process --------------------------------------------

async function serve(role: Role, options: { dns?: string; destinationPort?: number }): Promise<void> {
  const { defaultConfig } = await import('../server/config.js');
  const { createSandbox } = await import('../server/sandbox.js');
  const { silentLogger } = await import('../server/lib/log.js');
  const config: Record<string, unknown> = { ...defaultConfig(), listen: null, pop3: null, imap: null, smtp: { host: '127.0.0.1', port: 0 }, maxMessages: 0, maxBytes: 0 };
  if (role === 'source-on') {
    Object.assign(config, {
      releaseMx: true, releaseAllowPrivate: true,
      releaseAllow: ['blue.example'],
      releaseAuto: 'to:@blue.example',
      dnsServer: options.dns,
      releasePort: options.destinationPort,
      // Throughput is what is measured: no --release-rate.
      releaseRate: null,
    });
  }
  const box = await createSandbox(config as never, { logger: silentLogger });
  const listeners = await box.start();
  const service = box.release;
  let released = 0;
  let failed = 0;
  const waiting: Array<{ count: number; done: () => void }> = [];
  service?.on('finished', ({ record }) => {
    if (record.recipients.every((r) => r.state === 'delivered')) released++;
    else failed++;
    for (const w of [...waiting]) if (released + failed >= w.count) (waiting.splice(waiting.indexOf(w), 1), w.done());
  });
  const report = (): Report => ({ stored: box.store.stats().messages, released, failed });
  process.on('message', (message: unknown) => {
    if (message === 'report') process.send?.(report());
    if (message === 'exit') void box.stop(0).then(() => process.exit(0));
    if (typeof message === 'object' && message !== null && 'released' in message) {
      const count = Number((message as { released: number }).released);
      if (released + failed >= count) process.send?.(report());
      else waiting.push({ count, done: () => process.send?.(report()) });
    }
  });
  process.send?.({ port: listeners.find((l) => l.name === 'smtp')?.port ?? 0 });
}

class ServerProcess {
  readonly #child: ChildProcess;
  readonly #replies: Array<(report: Report) => void> = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message) => this.#replies.shift()?.(message as Report));
  }

  static async start(role: Role, options: { dns?: string; destinationPort?: number } = {}): Promise<{ server: ServerProcess; port: number }> {
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', here, '--serve', role, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const server = new ServerProcess(child);
    const first = await server.#next();
    return { server, port: first.port ?? 0 };
  }

  #next(): Promise<Report> {
    return new Promise((resolve) => this.#replies.push(resolve));
  }

  report(): Promise<Report> {
    const next = this.#next();
    this.#child.send('report');
    return next;
  }

  released(count: number): Promise<Report> {
    const next = this.#next();
    this.#child.send({ released: count });
    return next;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send('exit');
    await exited;
  }
}

// ---- A lean pipelining SMTP client ------------------------------------------------------

const ENVELOPE = 'MAIL FROM:<alice@red.example>\r\nRCPT TO:<bob@blue.example>\r\nDATA\r\n';
const BODY = Buffer.from(
  'From: Alice <alice@red.example>\r\nTo: Bob <bob@blue.example>\r\nSubject: bench\r\nMessage-ID: <bench@red.example>\r\n\r\n' + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n'.repeat(30),
);

function expectCodes(codes: number[], wanted: number[]): void {
  if (codes.join() !== wanted.join()) throw new Error(`expected ${wanted.join()} got ${codes.join()}`);
}

/** Sends `count` messages over one connection, one round trip per message. */
async function sendOn(port: number, count: number): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const replies = new Replies(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  expectCodes(await replies.next(1), [220]);
  socket.write('EHLO bench.red.example\r\n');
  await replies.next(1);
  socket.write(ENVELOPE);
  expectCodes(await replies.next(3), [250, 250, 354]);
  const next = Buffer.concat([BODY, Buffer.from('.\r\n' + ENVELOPE)]);
  for (let i = 1; i < count; i++) {
    socket.write(next);
    expectCodes(await replies.next(4), [250, 250, 250, 354]);
  }
  socket.write(Buffer.concat([BODY, Buffer.from('.\r\nQUIT\r\n')]));
  expectCodes(await replies.next(2), [250, 221]);
  socket.end();
}

/** Messages/s of SMTP ingest: from the first connection to the last 250. */
async function ingest(port: number, total: number): Promise<number> {
  const started = performance.now();
  const per = Math.ceil(total / CONNECTIONS);
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => sendOn(port, Math.min(per, total - i * per))));
  return (total / (performance.now() - started)) * 1000;
}


async function main(): Promise<void> {
  const { startDnsServer } = await import('../test/helpers/dns-server.js');
  const dns = await startDnsServer({ mx: { 'blue.example': [{ preference: 10, exchange: 'mx.blue.example' }] }, a: { 'mx.blue.example': ['127.0.0.1'] } });
  const destination = await ServerProcess.start('destination');
  const off: number[] = [];
  const on: number[] = [];
  const throughput: number[] = [];
  let delivered = 0;
  console.log(`${MESSAGES} messages of ${BODY.length} bytes per round, ${CONNECTIONS} connections, ${ROUNDS} rounds each way, alternating`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const role of ['source-off', 'source-on'] as const) {
      const source = await ServerProcess.start(role, { dns: dns.address, destinationPort: destination.port });
      const started = performance.now();
      const rate = await ingest(source.port, MESSAGES);
      if (role === 'source-off') off.push(rate);
      else {
        on.push(rate);
        const report = await source.server.released(MESSAGES);
        const seconds = (performance.now() - started) / 1000;
        throughput.push(MESSAGES / seconds);
        if ((report.failed ?? 0) > 0) throw new Error(`${report.failed} releases failed`);
        delivered += report.released ?? 0;
      }
      const stored = (await source.server.report()).stored;
      if (stored !== MESSAGES) throw new Error(`source stored ${stored} of ${MESSAGES}`);
      await source.server.stop();
      console.log(`  round ${round + 1} ${role.padEnd(10)} ingest ${rate.toFixed(0).padStart(6)} msg/s${role === 'source-on' ? `, all released after ${(MESSAGES / (throughput.at(-1) as number)).toFixed(2)} s` : ''}`);
    }
  }
  const atDestination = (await destination.server.report()).stored;
  await destination.server.stop();
  await dns.close();
  if (atDestination !== delivered) throw new Error(`destination holds ${atDestination}, released ${delivered}`);
  // Each round's pair ran back to back, so its ratio is the least disturbed by other load.
  const ratio = median(on.map((rate, i) => rate / (off[i] as number)));
  console.log('');
  console.log(`ingest, release off      ${median(off).toFixed(0).padStart(6)} msg/s (median)`);
  console.log(`ingest, auto-release on  ${median(on).toFixed(0).padStart(6)} msg/s (median)`);
  console.log(`ratio on/off             ${(ratio * 100).toFixed(0).padStart(5)} %   (median of the rounds' ratios; goal ≥ 80 %: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  console.log(`release throughput       ${median(throughput).toFixed(0).padStart(6)} msg/s (first message in → last one released; MX by DNS, one pipelined transaction per message on kept connections)`);
  console.log(`destination received     ${atDestination} of ${delivered} released`);
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) void serve(process.argv[serveAt + 1] as Role, JSON.parse(process.argv[serveAt + 2] ?? '{}') as { dns?: string; destinationPort?: number });
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
