/**
 * SMTP ingest: messages/s into Letterbox against a do-nothing smtp-server sink, in
 * the same run; then against Postfix's smtp-sink with Postfix's smtp-source as the
 * generator (bench/lib/postfix-reference.ts; left out, saying so, when Postfix's tools
 * are not installed); and memory per stored message.
 *
 *   npm run bench smtp-ingest              (about four minutes)
 *   BENCH_SECONDS=1 BENCH_ROUNDS=1 npm run bench smtp-ingest   (shorter cells, one round)
 *   BENCH_CPU_PROF=dir npm run bench smtp-ingest (writes the servers' --cpu-prof there)
 *   BENCH_TRACE_GC=1 npm run bench smtp-ingest   (the servers print V8's --trace-gc lines)
 *   BENCH_ONLY='2 KB\|kept-open' npm run bench smtp-ingest  (some cells only)
 *   BENCH_ONLY=postfix npm run bench smtp-ingest  (the Postfix cells only)
 *
 * Each server runs in its own process (one core), the load generator in this one (the
 * other core). The client is a lean raw-socket SMTP client so it is not what limits:
 * - kept-open: each connection pipelines (RFC 2920) the message, its final dot and the
 *   next MAIL/RCPT/DATA in one write, one round trip per message;
 * - per-message: connect, 220, EHLO, MAIL/RCPT/DATA, message, 250, QUIT for every message.
 * Messages: 2 KB of text, and 100 KB with a base64 attachment. Concurrency 1, 8 and 32.
 * Then RSS growth after 20,000 × 2 KB stored, as bytes per message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runPostfixReference } from './lib/postfix-reference.js';
import { Replies } from './lib/smtp-replies.js';
import { median } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Each cell first runs this long unmeasured on the server about to be measured. */
const WARM_UP_SECONDS = 0.3;
/** Only the cells whose "message|mode|concurrency" key matches (and "rss"), when set. */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const RSS_MESSAGES = 20_000;
const here = fileURLToPath(import.meta.url);

type ServerKind = 'letterbox' | 'letterbox-unbounded' | 'sink';

// ---- The servers, each in a child process --------------------------------------------

interface ServerReport {
  port?: number;
  /** CPU time the server process has used, user + system, in µs. */
  cpu?: number;
  rss?: number;
  heapUsed?: number;
  stored?: number;
}

async function serve(kind: ServerKind): Promise<void> {
  let port: number;
  let stored: () => number;
  if (kind === 'sink') {
    const { SMTPServer } = await import('smtp-server');
    // smtp-server as it comes (so with its fixed 100 ms pre-greeting wait), storing nothing.
    const sink = new SMTPServer({
      disableReverseLookup: true,
      authOptional: true,
      logger: false,
      size: 50 * 1024 * 1024,
      onData(stream, _session, callback) {
        stream.on('data', () => undefined);
        stream.on('end', () => callback(null, 'Ok: discarded'));
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    port = (sink.server.address() as { port: number }).port;
    stored = () => 0;
  } else {
    const { defaultConfig } = await import('../server/config.js');
    const { createSandbox } = await import('../server/sandbox.js');
    const { silentLogger } = await import('../server/lib/log.js');
    const config: Record<string, unknown> = { ...defaultConfig() };
    // Every front a default start has, on ephemeral loopback ports.
    for (const [key, value] of Object.entries(config)) {
      if (value && typeof value === 'object' && 'port' in value && 'host' in value) config[key] = { host: '127.0.0.1', port: 0 };
    }
    if (kind === 'letterbox-unbounded') Object.assign(config, { maxMessages: 0, maxBytes: 0 });
    const box = await createSandbox(config as never, { logger: silentLogger });
    const listeners = await box.start();
    port = listeners.find((l) => l.name === 'smtp')?.port ?? 0;
    stored = () => box.store.stats().messages;
  }
  // tsx turns on source-mapped stack traces, which the built server (dist/, run by
  // `npm start` and the Docker image) does not have. They make every error costly to
  // format, and smtp-source ends each connection with a reset (SO_LINGER 0), whose
  // ECONNRESET error Node formats a stack for: left on, the bench would measure tsx.
  process.setSourceMapsEnabled(false);
  const report = (): ServerReport => {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    return { rss: usage.rss, heapUsed: usage.heapUsed, stored: stored() };
  };
  process.on('message', (message) => {
    if (message === 'report') process.send?.(report());
    if (message === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ cpu: usage.user + usage.system });
    }
    if (message === 'exit') process.exit(0);
  });
  process.send?.({ port });
}

class ServerProcess {
  readonly #child: ChildProcess;
  readonly #replies: Array<(report: ServerReport) => void> = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message) => this.#replies.shift()?.(message as ServerReport));
  }

  static async start(kind: ServerKind): Promise<{ server: ServerProcess; port: number }> {
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const child = spawn(process.execPath, [...profile, ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : []), '--expose-gc', '--import', 'tsx', here, '--serve', kind], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const server = new ServerProcess(child);
    const first = await server.#next();
    return { server, port: first.port ?? 0 };
  }

  #next(): Promise<ServerReport> {
    return new Promise((resolve) => this.#replies.push(resolve));
  }

  async cpu(): Promise<number> {
    const next = this.#next();
    this.#child.send('cpu');
    return (await next).cpu ?? 0;
  }

  report(): Promise<ServerReport> {
    const next = this.#next();
    this.#child.send('report');
    return next;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send('exit');
    await exited;
  }
}

// ---- A lean SMTP client -----------------------------------------------------------------

/** Counts final reply lines (RFC 5321 §4.2.1: "NNN " ends a reply) and hands out their codes. */
function open(port: number): Promise<{ socket: Socket; replies: Replies }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const replies = new Replies(socket);
    socket.once('connect', () => resolve({ socket, replies }));
    socket.once('error', reject);
  });
}

const ENVELOPE = 'MAIL FROM:<bench@red.example>\r\nRCPT TO:<sink@blue.example>\r\nDATA\r\n';

function expectCodes(codes: number[], wanted: number[]): void {
  if (codes.join() !== wanted.join()) throw new Error(`expected ${wanted.join()} got ${codes.join()}`);
}

/** Connects, says EHLO and pipelines the first envelope; resolves once DATA got its 354. */
async function openAtData(port: number): Promise<{ socket: Socket; replies: Replies }> {
  const session = await open(port);
  expectCodes(await session.replies.next(1), [220]);
  session.socket.write('EHLO bench.test\r\n');
  await session.replies.next(1);
  session.socket.write(ENVELOPE);
  expectCodes(await session.replies.next(3), [250, 250, 354]);
  return session;
}

/** One connection sending until the deadline, one round trip per message; returns how many were stored. */
async function keptOpen(port: number, body: Buffer, until: () => boolean): Promise<number> {
  const { socket, replies } = await openAtData(port);
  const next = Buffer.concat([body, Buffer.from('.\r\n' + ENVELOPE)]);
  const last = Buffer.concat([body, Buffer.from('.\r\nQUIT\r\n')]);
  let sent = 0;
  for (;;) {
    if (until()) {
      socket.write(next);
      expectCodes(await replies.next(4), [250, 250, 250, 354]);
      sent++;
    } else {
      socket.write(last);
      expectCodes(await replies.next(2), [250, 221]);
      sent++;
      break;
    }
  }
  socket.destroy();
  return sent;
}

/** A new connection for each message, as unpooled clients do. */
async function perMessage(port: number, body: Buffer, until: () => boolean): Promise<number> {
  let sent = 0;
  const message = Buffer.concat([body, Buffer.from('.\r\nQUIT\r\n')]);
  do {
    const { socket, replies } = await openAtData(port);
    socket.write(message);
    expectCodes(await replies.next(2), [250, 221]);
    socket.end();
    sent++;
  } while (until());
  return sent;
}

type Mode = 'kept-open' | 'per-message';

interface Cell {
  rate: number;
  /** Server CPU per message, µs: what the rate would cost on a core of its own. */
  cpuPerMessage: number;
}

async function measure(server: ServerProcess, port: number, mode: Mode, body: Buffer, concurrency: number, seconds: number): Promise<Cell> {
  const cpuBefore = await server.cpu();
  const started = performance.now();
  const end = started + seconds * 1000;
  const until = () => performance.now() < end;
  const run = mode === 'kept-open' ? keptOpen : perMessage;
  const counts = await Promise.all(Array.from({ length: concurrency }, () => run(port, body, until)));
  const elapsed = (performance.now() - started) / 1000;
  const sent = counts.reduce((a, b) => a + b, 0);
  return { rate: sent / elapsed, cpuPerMessage: ((await server.cpu()) - cpuBefore) / sent };
}

// ---- Messages ---------------------------------------------------------------------------

/** Dot-stuffed (none needed here) message bytes of about `size`, ending in CRLF. */
function textMessage(size: number): Buffer {
  const head = 'From: Bench <bench@red.example>\r\nTo: Sink <sink@blue.example>\r\nSubject: ingest benchmark\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench@red.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
  let body = '';
  while (head.length + body.length + line.length <= size) body += line;
  body += 'x'.repeat(Math.max(0, size - head.length - body.length - 2)) + '\r\n';
  return Buffer.from(head + body);
}

function attachmentMessage(size: number): Buffer {
  const head = 'From: bench@red.example\r\nTo: sink@blue.example\r\nSubject: with attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n--b\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  const tail = '--b--\r\n';
  const room = size - head.length - tail.length;
  const base64 = randomBytes(Math.floor((room * 76) / 78 / 4) * 3).toString('base64');
  const lines = base64.match(/.{1,76}/g) ?? [];
  return Buffer.from(head + lines.join('\r\n') + '\r\n' + tail);
}

// ---- The run ----------------------------------------------------------------------------

async function main(): Promise<void> {
  const messages = [
    { name: '2 KB', body: textMessage(2048) },
    { name: '100 KB b64', body: attachmentMessage(100 * 1024) },
  ];
  const modes: Mode[] = ['kept-open', 'per-message'];
  const concurrencies = [1, 8, 32];
  // Both servers run through the whole bench, and each cell is measured on one right
  // after the other (in turn first), round after round: a shared machine's slow spells
  // then fall on both alike, and each cell's figures are the medians of its rounds.
  const servers = { sink: await ServerProcess.start('sink'), letterbox: await ServerProcess.start('letterbox') };
  for (const { server, port } of Object.values(servers)) await measure(server, port, 'kept-open', messages[0]!.body, 8, 1); // warm-up
  const rounds = new Map<string, Cell[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const message of messages) {
      for (const mode of modes) {
        for (const concurrency of concurrencies) {
          const cell = `${message.name}|${mode}|${concurrency}`;
          if (ONLY && !ONLY.test(cell)) continue;
          const order = round % 2 === 0 ? (['sink', 'letterbox'] as const) : (['letterbox', 'sink'] as const);
          for (const kind of order) {
            const { server, port } = servers[kind];
            const key = `${kind}|${cell}`;
            // Unmeasured first: the other server's cell (for the sink, seconds at 10 msgs/s
            // per connection) leaves this one's process and the machine cold.
            await measure(server, port, mode, message.body, concurrency, WARM_UP_SECONDS);
            const measured = await measure(server, port, mode, message.body, concurrency, SECONDS);
            rounds.set(key, [...(rounds.get(key) ?? []), measured]);
            if (ONLY) console.log(`round ${round + 1} ${key}: ${measured.rate.toFixed(0)} msgs/s, ${measured.cpuPerMessage.toFixed(0)} µs server CPU per message`);
          }
        }
      }
    }
  }
  const rates = new Map<string, Cell>();
  for (const [key, cells] of rounds) rates.set(key, { rate: median(cells.map((c) => c.rate)), cpuPerMessage: median(cells.map((c) => c.cpuPerMessage)) });
  /** Per cell, the median over rounds of Letterbox's rate over the sink's in that round. */
  const ratioOf = (cell: string) => {
    const ours = rounds.get(`letterbox|${cell}`) ?? [];
    const sink = rounds.get(`sink|${cell}`) ?? [];
    return median(ours.map((c, i) => c.rate / (sink[i]?.rate ?? NaN)));
  };

  console.log(`SMTP ingest, ${SECONDS} s per cell, median of ${ROUNDS} rounds (Letterbox with its default fronts and limits; sink = smtp-server storing nothing)`);
  console.log('msgs/s: measured rate; µs/msg: server CPU per message (user + system), which does not depend on what else the machine runs');
  console.log('message     mode         conc | letterbox msgs/s  µs/msg |  sink msgs/s  µs/msg | rate ratio  CPU ratio');
  for (const message of messages) {
    for (const mode of modes) {
      for (const concurrency of concurrencies) {
        const l = rates.get(`letterbox|${message.name}|${mode}|${concurrency}`);
        const k = rates.get(`sink|${message.name}|${mode}|${concurrency}`);
        if (!l || !k) continue;
        console.log(
          `${message.name.padEnd(11)} ${mode.padEnd(12)} ${String(concurrency).padStart(4)} | ${l.rate.toFixed(0).padStart(16)} ${l.cpuPerMessage.toFixed(0).padStart(7)} | ${k.rate.toFixed(0).padStart(12)} ${k.cpuPerMessage.toFixed(0).padStart(7)} | ${ratioOf(`${message.name}|${mode}|${concurrency}`).toFixed(2).padStart(10)} ${(k.cpuPerMessage / l.cpuPerMessage).toFixed(2).padStart(10)}`,
        );
      }
    }
  }

  const { server: letterbox, port: letterboxPort } = servers.letterbox;
  await runPostfixReference({ port: letterboxPort, cpu: () => letterbox.cpu() }, { seconds: SECONDS, rounds: ROUNDS, warmUpSeconds: WARM_UP_SECONDS, only: ONLY });
  await Promise.all(Object.values(servers).map(({ server }) => server.stop()));

  // Memory: 20,000 × 2 KB into a store without limits.
  if (ONLY && !ONLY.test('rss')) return;
  const { server, port } = await ServerProcess.start('letterbox-unbounded');
  await measure(server, port, 'kept-open', messages[0]!.body, 8, 0.2);
  const before = await server.report();
  let left = RSS_MESSAGES - (before.stored ?? 0);
  await Promise.all(Array.from({ length: 8 }, () => keptOpen(port, messages[0]!.body, () => --left > 8)));
  const after = await server.report();
  await server.stop();
  const stored = (after.stored ?? 0) - (before.stored ?? 0);
  const raw = stored * messages[0]!.body.length;
  const growth = (after.rss ?? 0) - (before.rss ?? 0);
  const budget = 1.5 * raw + 32 * 1024 * 1024;
  console.log(`\nRSS after ${stored} × ${messages[0]!.body.length} B stored: +${mb(growth)} (heap +${mb((after.heapUsed ?? 0) - (before.heapUsed ?? 0))}), ${(growth / stored).toFixed(0)} B/message for ${messages[0]!.body.length} B of raw; budget 1.5 × raw + 32 MB = ${mb(budget)}: ${growth <= budget ? 'within' : 'OVER'}`);

  const at = (key: string) => rates.get(key)?.rate ?? 0;
  const cpuAt = (key: string) => rates.get(key)?.cpuPerMessage ?? Infinity;
  const c8 = at('letterbox|2 KB|kept-open|8');
  const c1new = at('letterbox|2 KB|per-message|1');
  const keptOpenCells = messages.flatMap((m) => concurrencies.map((c) => `${m.name}|kept-open|${c}`));
  const worstRatio = Math.min(...keptOpenCells.map(ratioOf));
  const worstCpuRatio = Math.min(...keptOpenCells.map((k) => cpuAt(`sink|${k}`) / cpuAt(`letterbox|${k}`)));
  console.log('\nTargets (measured; in brackets what one core of its own gives at the CPU cost measured)');
  console.log(`  2 KB kept-open, concurrency 8: ${c8.toFixed(0)} msgs/s [${(1e6 / cpuAt('letterbox|2 KB|kept-open|8')).toFixed(0)}] (target ≥ 5,000)`);
  console.log(`  2 KB new connection per message, concurrency 1: ${c1new.toFixed(0)} msgs/s [${(1e6 / cpuAt('letterbox|2 KB|per-message|1')).toFixed(0)}] (target ≥ 1,000)`);
  console.log(`  kept-open, worst ratio to the sink: ${(worstRatio * 100).toFixed(0)}% of its rate, ${(worstCpuRatio * 100).toFixed(0)}% of its CPU efficiency (target ≥ 70%)`);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as ServerKind);
} else {
  await main();
}
