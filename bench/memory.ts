/**
 * Memory per stored message: a Letterbox process with every listener on (SMTP, HTTP,
 * POP3, IMAP) and no store limits is sent N realistic 2 KB messages over SMTP (headers
 * From/To/Subject/Date/Message-ID, a plain-text body of varied words, each message
 * different); once the indexer has summarised every body and a forced GC has run, its
 * RSS and V8 heap growth are divided by N and shown beside the raw size.
 *
 *   npm run bench memory                       (10,000 then 100,000 messages, about two minutes)
 *   BENCH_COUNTS=20000 npm run bench memory    (other counts, comma-separated)
 *   BENCH_HEAP=1 npm run bench memory          (also where the heap goes: a heap snapshot
 *                                               summed by constructor, bytes per message)
 *   BENCH_HEAP=keep npm run bench memory       (the same, and keeps the snapshot file for DevTools)
 *
 * Then the churn run: a server that keeps the newest CHURN_KEPT messages is sent
 * CHURN_MESSAGES, each from and to addresses of its own (as tests that make an address
 * per run do); its RSS growth per message delivered past the warm-up must stay near
 * nothing, since a store keeps only what its kept messages name.
 *
 *   BENCH_CHURN=0 npm run bench memory         (without the churn run)
 *
 * Each count runs in a fresh server process (the load generator is this one). The
 * baseline is taken after a warm-up of WARM_UP messages, so code, pools and connection
 * state the first messages create are not charged to the rest. Every run has a time
 * limit; past it the bench fails instead of waiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { Replies } from './lib/smtp-replies.js';

const COUNTS = (process.env.BENCH_COUNTS ?? '10000,100000').split(',').map(Number);
const HEAP = process.env.BENCH_HEAP === '1' || process.env.BENCH_HEAP === 'keep';
const WARM_UP = 1_000;
const CONNECTIONS = 8;
const MESSAGE_BYTES = 2048;
/** The target of issue 14: RSS growth per message at most this many times its raw size. */
const TARGET_RATIO = 1.3;
const TIME_LIMIT_MS = 10 * 60_000;
const CHURN = process.env.BENCH_CHURN !== '0';
const CHURN_KEPT = 1_000;
const CHURN_WARM_UP = 5_000;
const CHURN_MESSAGES = 50_000;
const here = fileURLToPath(import.meta.url);

// ---- Messages ---------------------------------------------------------------------------

// A deterministic generator, so every run stores the same corpus.
let seed = 7;
const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'pe', 'da', 'gri', 'bel', 'tor', 'wen', 'fa', 'chu', 'ost', 'ian'];
const WORDS = Array.from({ length: 4000 }, () => {
  let word = '';
  for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) word += pick(SYLLABLES);
  return word;
});
const FIRST = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy'];
const SENDERS = Array.from({ length: 200 }, (_, i) => ({ name: `${pick(FIRST)} ${pick(WORDS)}`, address: `${pick(WORDS)}${i}@${pick(WORDS)}.example` }));
const RECIPIENTS = Array.from({ length: 1000 }, (_, i) => ({ name: `${pick(FIRST)} ${pick(WORDS)}`, address: `user${i}@${pick(['blue', 'green', 'red'])}.example` }));
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Outgoing {
  from: string;
  to: string;
  data: Buffer;
}

/**
 * Message `i`: exactly MESSAGE_BYTES, CRLF lines of at most 78 characters, sentences of
 * varied words; `unique`: its envelope's sender and recipient are addresses no other
 * message has.
 */
function message(i: number, unique = false): Outgoing {
  const from = pick(SENDERS);
  const to = pick(RECIPIENTS);
  const when = new Date(Date.UTC(2026, 0, 1) + i * 61_000);
  const date = `${DAYS[when.getUTCDay()]}, ${when.getUTCDate()} ${MONTHS[when.getUTCMonth()]} ${when.getUTCFullYear()} ${when.toISOString().slice(11, 19)} +0000`;
  const head =
    `From: ${from.name} <${from.address}>\r\nTo: ${to.name} <${to.address}>\r\n` +
    `Subject: ${capital(pick(WORDS))} ${pick(WORDS)} ${pick(WORDS)} #${i}\r\nDate: ${date}\r\n` +
    `Message-ID: <${i}.${Math.floor(rand() * 1e9).toString(36)}@${from.address.split('@')[1]}>\r\n` +
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n';
  // Each body line costs its length and a CRLF; the last one is cut to fill the size exactly.
  const room = MESSAGE_BYTES - head.length;
  const lines: string[] = [];
  let line = '';
  let used = 0;
  let sentence = 0;
  while (used + line.length + 2 <= room) {
    let word = pick(WORDS);
    if (sentence === 0) word = capital(word);
    sentence = (sentence + 1) % (6 + Math.floor(rand() * 8));
    if (sentence === 0) word += '.';
    if (line.length + 1 + word.length > 76) {
      lines.push(line);
      used += line.length + 2;
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  // What is left (less than one line) becomes the last line, cut to fit; a line of one or
  // two characters would be odd, so the line before gives room.
  if (room - used < 4) used -= (lines.pop() ?? '').length + 2;
  const last = (line + ' ' + line).slice(0, room - used - 2).trimEnd().padEnd(room - used - 2, '.');
  const body = [...lines, last].join('\r\n');
  const data = Buffer.from(`${head}${body}\r\n`, 'latin1');
  if (data.length !== MESSAGE_BYTES) throw new Error(`message ${i} is ${data.length} bytes`);
  if (unique) return { from: `sender${i}@${from.address.split('@')[1]}`, to: `user-${i}-${to.address}`, data };
  return { from: from.address, to: to.address, data };
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

// ---- The server, in a child process -------------------------------------------------------

interface Report {
  port?: number;
  stored?: number;
  rss?: number;
  heapUsed?: number;
  external?: number;
  arrayBuffers?: number;
  /** Bytes each V8 heap space has committed. */
  spaces?: Record<string, number>;
  /** Resident bytes by kind of mapping (Linux), see residentByKind. */
  mappings?: Record<string, number>;
  snapshot?: string;
}

/** `kept`: the most messages the store keeps (0: all). */
async function serve(kept: number): Promise<void> {
  const { defaultConfig } = await import('../server/config.js');
  const { createSandbox } = await import('../server/sandbox.js');
  const { silentLogger } = await import('../server/lib/log.js');
  const config: Record<string, unknown> = { ...defaultConfig(), maxMessages: kept, maxBytes: 0 };
  // Every listener a default start has (SMTP, HTTP, POP3, IMAP), on ephemeral loopback ports.
  for (const [key, value] of Object.entries(config)) {
    if (value && typeof value === 'object' && 'port' in value && 'host' in value) config[key] = { host: '127.0.0.1', port: 0 };
  }
  const box = await createSandbox(config as never, { logger: silentLogger });
  const listeners = await box.start();
  for (const name of ['smtp', 'http', 'pop3', 'imap']) if (!listeners.some((l) => l.name === name)) throw new Error(`no ${name} listener`);
  let indexed = 0;
  let waiting: (() => void) | undefined;
  box.store.on('indexed', () => {
    indexed++;
    if (waiting && indexed >= box.store.stats().messages) waiting();
  });
  const allIndexed = () =>
    indexed >= box.store.stats().messages ? Promise.resolve() : new Promise<void>((resolve) => (waiting = resolve));

  const measure = async (): Promise<Report> => {
    await allIndexed();
    waiting = undefined;
    // Several full collections, with turns in between so finalizers and weak callbacks run.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with --expose-gc');
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]));
    return { stored: box.store.stats().messages, rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers, spaces, mappings: residentByKind() };
  };
  process.on('message', (request) => {
    if (request === 'measure') void measure().then((report) => process.send?.(report));
    if (request === 'snapshot') process.send?.({ snapshot: writeHeapSnapshot(join(tmpdir(), `letterbox-memory-${process.pid}.heapsnapshot`)) });
    if (request === 'exit') void box.stop(0).then(() => process.exit(0));
  });
  process.send?.({ port: listeners.find((l) => l.name === 'smtp')?.port });
}

/**
 * Resident bytes by kind of mapping, from /proc/self/smaps (empty elsewhere): `[heap]`
 * is malloc's main arena; anonymous mappings hold V8's heap pages, large malloc blocks
 * and thread arenas; the rest are files and stacks.
 */
function residentByKind(): Record<string, number> {
  const kinds: Record<string, number> = {};
  let kind = '';
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'latin1');
  } catch {
    return kinds;
  }
  for (const line of text.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) kind = mapping[1] === '' ? 'anonymous' : mapping[1]?.startsWith('[') ? (mapping[1] as string) : 'files';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) * 1024;
  }
  return kinds;
}

class Server {
  readonly #replies: Array<(report: Report) => void> = [];
  private constructor(readonly child: ChildProcess) {
    child.on('message', (report) => this.#replies.shift()?.(report as Report));
  }

  static async start(kept = 0): Promise<{ server: Server; port: number }> {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', here, '--serve', String(kept)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const server = new Server(child);
    const first = await server.#next();
    return { server, port: first.port ?? 0 };
  }

  #next(): Promise<Report> {
    return new Promise((resolve, reject) => {
      this.#replies.push(resolve);
      this.child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
  }

  ask(request: 'measure' | 'snapshot'): Promise<Report> {
    const next = this.#next();
    this.child.send(request);
    return next;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('exit');
    await exited;
  }
}

// ---- The SMTP client: kept-open connections, pipelined (RFC 2920) -------------------------

function expect(codes: number[], wanted: number[]): void {
  if (codes.join() !== wanted.join()) throw new Error(`expected ${wanted.join()} got ${codes.join()}`);
}

function envelope(m: Outgoing): string {
  return `MAIL FROM:<${m.from}>\r\nRCPT TO:<${m.to}>\r\nDATA\r\n`;
}

/** One connection sending messages `next()` hands out until it returns undefined. */
async function sender(port: number, next: () => Outgoing | undefined): Promise<void> {
  let current = next();
  if (!current) return;
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const replies = new Replies(socket);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  expect(await replies.next(1), [220]);
  socket.write('EHLO bench.example\r\n');
  await replies.next(1);
  socket.write(envelope(current));
  expect(await replies.next(3), [250, 250, 354]);
  for (;;) {
    const following = next();
    if (!following) {
      socket.write(Buffer.concat([current.data, Buffer.from('.\r\nQUIT\r\n')]));
      expect(await replies.next(2), [250, 221]);
      break;
    }
    socket.write(Buffer.concat([current.data, Buffer.from('.\r\n' + envelope(following))]));
    expect(await replies.next(4), [250, 250, 250, 354]);
    current = following;
  }
  socket.destroy();
}

async function send(port: number, from: number, count: number, unique = false): Promise<void> {
  let i = from;
  const end = from + count;
  const next = () => (i < end ? message(i++, unique) : undefined);
  await Promise.all(Array.from({ length: CONNECTIONS }, () => sender(port, next)));
}

// ---- Heap breakdown -------------------------------------------------------------------------

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes summed by node type and constructor (strings as one row per type). */
async function heapByConstructor(path: string): Promise<Map<string, { count: number; bytes: number }>> {
  const file = JSON.parse(await readFile(path, 'utf8')) as HeapSnapshotFile;
  const fields = file.snapshot.meta.node_fields;
  const types = file.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const rows = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < file.nodes.length; i += width) {
    const type = types[file.nodes[i + typeAt] as number] ?? '?';
    const name = file.strings[file.nodes[i + nameAt] as number] ?? '?';
    const key = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' ? `(${type})` : `${type}: ${name.slice(0, 60)}`;
    const row = rows.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += file.nodes[i + sizeAt] as number;
    rows.set(key, row);
  }
  return rows;
}

// ---- The run --------------------------------------------------------------------------------

interface Result {
  count: number;
  rss: number;
  heap: number;
  external: number;
}

/** Runs `work` against a fresh server keeping `kept` messages (0: all), within the time limit. */
async function withServer<T>(kept: number, what: string, work: (server: Server, port: number) => Promise<T>): Promise<T> {
  const { server, port } = await Server.start(kept);
  const limit = setTimeout(() => {
    console.error(`memory bench: ${what} did not finish in ${TIME_LIMIT_MS / 1000} s`);
    server.child.kill();
    process.exit(1);
  }, TIME_LIMIT_MS);
  try {
    seed = 7;
    return await work(server, port);
  } finally {
    clearTimeout(limit);
    await server.stop();
  }
}

function run(count: number): Promise<Result> {
  return withServer(0, `${count} messages`, async (server, port) => {
    await send(port, 0, WARM_UP);
    const before = await server.ask('measure');
    const started = performance.now();
    await send(port, WARM_UP, count);
    const sent = performance.now();
    const after = await server.ask('measure');
    const seconds = (n: number) => ((n / 1000).toFixed(1) + ' s').padStart(7);
    const stored = (after.stored ?? 0) - (before.stored ?? 0);
    if (stored !== count) throw new Error(`stored ${stored} of ${count}`);
    const per = (key: 'rss' | 'heapUsed' | 'arrayBuffers') => ((after[key] ?? 0) - (before[key] ?? 0)) / count;
    const result = { count, rss: per('rss'), heap: per('heapUsed'), external: per('arrayBuffers') };
    console.log(
      `${String(count).padStart(7)} | ${String(MESSAGE_BYTES).padStart(5)} B | ${bytes(result.rss)} ${ratio(result.rss)} | ${bytes(result.heap)} ${ratio(result.heap)} | ${bytes(result.external)} ${ratio(result.external)} | sent in${seconds(sent - started)}, indexed +${seconds(performance.now() - sent)}`,
    );
    if (HEAP) {
      const grown = Object.entries(after.spaces ?? {}).map(([name, size]) => `${name} ${(((size - (before.spaces?.[name] ?? 0)) / count) | 0)}`);
      console.log(`  V8 heap spaces, committed bytes grown per message: ${grown.join(', ')}`);
      const resident = Object.entries(after.mappings ?? {}).map(([name, size]) => `${name} ${(((size - (before.mappings?.[name] ?? 0)) / count) | 0)}`);
      console.log(`  resident bytes grown per message by mapping: ${resident.join(', ')}`);
      await printHeap(server, count);
    }
    return result;
  });
}

/** The churn run (see the top of this file): RSS and heap growth per message delivered past the warm-up. */
function churn(): Promise<{ rss: number; heap: number }> {
  return withServer(CHURN_KEPT, 'the churn run', async (server, port) => {
    await send(port, 0, CHURN_WARM_UP, true);
    const before = await server.ask('measure');
    await send(port, CHURN_WARM_UP, CHURN_MESSAGES, true);
    const after = await server.ask('measure');
    if (after.stored !== CHURN_KEPT) throw new Error(`kept ${after.stored} of ${CHURN_KEPT}`);
    const per = (key: 'rss' | 'heapUsed') => ((after[key] ?? 0) - (before[key] ?? 0)) / CHURN_MESSAGES;
    return { rss: per('rss'), heap: per('heapUsed') };
  });
}

async function printHeap(server: Server, count: number): Promise<void> {
  const { snapshot } = await server.ask('snapshot');
  if (!snapshot) return;
  try {
    const rows = [...(await heapByConstructor(snapshot)).entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
    console.log(`  heap snapshot after ${count} messages (+${WARM_UP} warm-up), largest by self size, per stored message:`);
    const total = count + WARM_UP;
    for (const [key, row] of rows) console.log(`  ${(row.bytes / total).toFixed(1).padStart(8)} B  ${(row.count / total).toFixed(2).padStart(6)} objects  ${key}`);
  } finally {
    if (process.env.BENCH_HEAP === 'keep') console.log(`  snapshot kept: ${snapshot}`);
    else await rm(snapshot, { force: true });
  }
}

function bytes(n: number): string {
  return `${n.toFixed(0).padStart(6)} B`;
}

function ratio(n: number): string {
  return `(${(n / MESSAGE_BYTES).toFixed(2)}×)`;
}

async function main(): Promise<void> {
  console.log(`Memory per stored ${MESSAGE_BYTES} B message, every listener on, body indexing done, after forced GC (target: RSS ≤ ${TARGET_RATIO} × raw)`);
  console.log('   msgs |   raw   | RSS growth / msg  | heap used / msg   | array buffers / msg |');
  const results: Result[] = [];
  for (const count of COUNTS) results.push(await run(count));
  const worst = Math.max(...results.map((r) => r.rss / MESSAGE_BYTES));
  console.log(`\nworst RSS ratio ${worst.toFixed(2)}× raw (target ≤ ${TARGET_RATIO}×): ${worst <= TARGET_RATIO ? 'met' : 'MISSED'}`);
  if (!CHURN) return;
  const grown = await churn();
  console.log(
    `\nchurn: ${CHURN_MESSAGES} messages past ${CHURN_WARM_UP}, each from and to addresses of its own, ${CHURN_KEPT} kept: ` +
      `RSS growth ${grown.rss.toFixed(0)} B, heap growth ${grown.heap.toFixed(0)} B per message delivered (a message kept costs about ${MESSAGE_BYTES} B raw)`,
  );
}

if (process.argv[2] === '--serve') await serve(Number(process.argv[3]));
else await main();
