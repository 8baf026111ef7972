/**
 * Team inboxes at scale: 100 inboxes × 1,000 stored messages, against a single-inbox
 * Letterbox holding as many, both in this process and measured in turn, round after
 * round (a busy machine's slow spells fall on both alike):
 * - the API's first list page inside one inbox (GET /inbox/{name}/api/v1/messages with
 *   Basic auth) and over all of them (/all/), p50/p95 beside the single inbox's
 *   GET /api/v1/messages;
 * - SMTP ingest on 8 kept-open connections of 2 KB messages, each connection filing into
 *   its own inbox, routed by recipient pattern and by SMTP AUTH credential, as a ratio of
 *   the single inbox's rate for the same client work (the same envelope; AUTH too).
 *
 *   npm run bench inboxes             (about five minutes)
 *   BENCH_INBOXES=20 BENCH_PER_INBOX=200 BENCH_ROUNDS=1 npm run bench inboxes   (a quick run)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type Config } from '../server/config.js';
import { silentLogger } from '../server/lib/log.js';
import { createSandbox, type Sandbox } from '../server/sandbox.js';
import { Replies } from './lib/smtp-replies.js';
import { median, quantile } from './lib/stats.js';

const INBOXES = Number(process.env.BENCH_INBOXES ?? 100);
const PER_INBOX = Number(process.env.BENCH_PER_INBOX ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIST_REQUESTS = Number(process.env.BENCH_LIST_REQUESTS ?? 200);
const INGEST_SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = 8;
const TARGETS = { listP95Ms: 5, ingestRatio: 0.9 };

const USER = 'bench';
const PASSWORD = 'bench-password';
const inboxName = (i: number) => `inbox-${String(i).padStart(3, '0')}`;
const smtpUser = (i: number) => `app-${String(i).padStart(3, '0')}`;
const smtpPassword = (i: number) => `secret-${i}`;

/** The --inboxes file: each inbox takes its own domain and has its own SMTP credential; one user reads all. */
function inboxesFile(): string {
  const inboxes: Record<string, unknown> = {};
  for (let i = 0; i < INBOXES; i++) inboxes[inboxName(i)] = { smtp: [`${smtpUser(i)}:${smtpPassword(i)}`], recipients: [`*@${inboxName(i)}.test`] };
  return JSON.stringify({ inboxes, users: { [USER]: { password: PASSWORD, inboxes: ['*'] } }, unrouted: 'refuse' });
}

function storedMessage(inbox: number, i: number): Buffer {
  const line = `Message ${i} for ${inboxName(inbox)}: the quick brown fox jumps over the lazy dog.\r\n`;
  return Buffer.from(
    `From: App <app@${inboxName(inbox)}.test>\r\nTo: user${i % 50}@${inboxName(inbox)}.test\r\nSubject: notice ${i} of ${inboxName(inbox)}\r\n` +
      `Message-ID: <m${inbox}.${i}@bench.example>\r\nDate: Mon, 07 Dec 2026 00:00:00 +0000\r\n\r\n${line.repeat(12)}`,
  );
}

const INGESTED = (() => {
  const head = 'From: Bench <bench@red.example>\r\nTo: Sink <sink@blue.example>\r\nSubject: ingest benchmark\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
  return Buffer.from(head + line.repeat(Math.floor((2048 - head.length) / line.length)));
})();

// ---- The two Letterboxes ------------------------------------------------------------------

async function start(overrides: Record<string, unknown>): Promise<Sandbox> {
  const config: Record<string, unknown> = { ...defaultConfig(), maxMessages: 0, maxBytes: 0, pop3: null, imap: null };
  for (const key of ['listen', 'smtp']) config[key] = { host: '127.0.0.1', port: 0 };
  const box = await createSandbox({ ...config, ...overrides } as Config, { logger: silentLogger });
  await box.start();
  return box;
}

const portOf = (box: Sandbox, name: string) => box.listeners.find((l) => l.name === name)?.port ?? 0;

/** Delivers `count` messages per store and resolves once the body indexer has read them all (as a list would find them settled). */
async function fill(box: Sandbox, stores: ReadonlyArray<Sandbox['store']>): Promise<void> {
  const total = stores.length * PER_INBOX;
  let indexed = 0;
  const settled = new Promise<void>((resolve) => {
    const off = box.store.on('indexed', () => {
      if (++indexed < total) return;
      off();
      resolve();
    });
  });
  for (let i = 0; i < PER_INBOX; i++) {
    stores.forEach((store, inbox) => {
      void store.deliver({ raw: storedMessage(inbox, i), envelope: { mailFrom: `app@${inboxName(inbox)}.test`, rcptTo: [`user${i % 50}@${inboxName(inbox)}.test`] } });
    });
  }
  await settled;
}

// ---- HTTP ---------------------------------------------------------------------------------

interface Timing {
  p50: number;
  p95: number;
  /** CPU time of this process (server and client together) per request, ms: what a request costs whatever else the machine runs. */
  cpu: number;
  count: number;
}

/** CPU time this process has used so far, user + system, in ms. */
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** p50/p95 of `requests` GETs after ten unmeasured ones; `count` is the messages_count answered. */
async function timeList(url: string, headers: Record<string, string>, requests: number): Promise<Timing> {
  const get = async () => {
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { messages_count: number };
  };
  for (let i = 0; i < 10; i++) await get();
  const samples: number[] = [];
  let count = 0;
  const cpuBefore = cpuMs();
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    count = (await get()).messages_count;
    samples.push(performance.now() - started);
  }
  return { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), cpu: (cpuMs() - cpuBefore) / requests, count };
}

// ---- SMTP ---------------------------------------------------------------------------------

/** What a connection says before its messages: AUTH PLAIN (RFC 4954 §4) or nothing, and its envelope. */
interface Sender {
  auth: { user: string; password: string } | undefined;
  envelope: string;
}

async function opened(port: number, auth: Sender['auth']): Promise<{ socket: Socket; replies: Replies }> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const replies = new Replies(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  await expectCodes(replies.next(1), [220]);
  socket.write('EHLO bench.test\r\n');
  await replies.next(1);
  if (auth) {
    socket.write(`AUTH PLAIN ${Buffer.from(`\0${auth.user}\0${auth.password}`).toString('base64')}\r\n`);
    await expectCodes(replies.next(1), [235]);
  }
  return { socket, replies };
}

async function expectCodes(codes: Promise<number[]>, wanted: number[]): Promise<void> {
  const got = await codes;
  if (got.join() !== wanted.join()) throw new Error(`SMTP: expected ${wanted.join()} got ${got.join()}`);
}

/** One kept-open connection pipelining (RFC 2920) each message with the next envelope; returns how many got their 250. */
async function sendUntil(port: number, sender: Sender, deadline: number): Promise<number> {
  const { socket, replies } = await opened(port, sender.auth);
  socket.write(sender.envelope);
  await expectCodes(replies.next(3), [250, 250, 354]);
  const next = Buffer.concat([INGESTED, Buffer.from('.\r\n' + sender.envelope)]);
  let sent = 0;
  while (performance.now() < deadline) {
    socket.write(next);
    await expectCodes(replies.next(4), [250, 250, 250, 354]);
    sent++;
  }
  socket.write(Buffer.concat([INGESTED, Buffer.from('.\r\nQUIT\r\n')]));
  await expectCodes(replies.next(2), [250, 221]);
  socket.destroy();
  return sent + 1;
}

interface Ingest {
  rate: number;
  /** CPU time of this process per message, µs (server and client together). */
  cpu: number;
}

/** Messages per second over `seconds` on CONNECTIONS connections, connection c sending as `senders(c)`. */
async function ingest(port: number, senders: (connection: number) => Sender, seconds: number): Promise<Ingest> {
  const started = performance.now();
  const cpuBefore = cpuMs();
  const deadline = started + seconds * 1000;
  const counts = await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => sendUntil(port, senders(c), deadline)));
  const sent = counts.reduce((a, b) => a + b, 0);
  return { rate: sent / ((performance.now() - started) / 1000), cpu: ((cpuMs() - cpuBefore) * 1000) / sent };
}

const envelope = (rcpt: string) => `MAIL FROM:<bench@red.example>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`;
/** Connection c files into inbox c × (INBOXES / CONNECTIONS): spread over the directory. */
const inboxFor = (c: number) => Math.floor((c * INBOXES) / CONNECTIONS);

const CELLS: Array<{ name: string; inboxes: (c: number) => Sender; single: (c: number) => Sender }> = [
  {
    name: 'routed by recipient',
    inboxes: (c) => ({ auth: undefined, envelope: envelope(`sink@${inboxName(inboxFor(c))}.test`) }),
    single: (c) => ({ auth: undefined, envelope: envelope(`sink@${inboxName(inboxFor(c))}.test`) }),
  },
  {
    name: 'routed by SMTP AUTH',
    inboxes: (c) => ({ auth: { user: smtpUser(inboxFor(c)), password: smtpPassword(inboxFor(c)) }, envelope: envelope('sink@blue.example') }),
    single: (c) => ({ auth: { user: smtpUser(inboxFor(c)), password: smtpPassword(inboxFor(c)) }, envelope: envelope('sink@blue.example') }),
  },
];

// ---- The run ------------------------------------------------------------------------------

const dir = await mkdtemp(join(os.tmpdir(), 'letterbox-bench-inboxes-'));
const file = join(dir, 'inboxes.json');
await writeFile(file, inboxesFile());
// The single inbox takes AUTH from anyone, so both do the same client work in the AUTH cell.
const single = await start({ smtpAuthAcceptAny: true });
const teams = await start({ inboxes: file });
const directory = teams.inboxes;
if (!directory) throw new Error('the Letterbox started with --inboxes has no inbox directory');

const filling = performance.now();
await fill(single, Array.from({ length: INBOXES }, () => single.store));
await fill(
  teams,
  directory.list().map((inbox) => inbox.store),
);
console.log(
  `stored and indexed ${INBOXES} inboxes × ${PER_INBOX} messages, and as many in one inbox, in ${((performance.now() - filling) / 1000).toFixed(1)} s; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
);

const auth = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
const singleBase = `http://127.0.0.1:${portOf(single, 'http')}`;
const teamsBase = `http://127.0.0.1:${portOf(teams, 'http')}`;
const oneInbox = inboxName(Math.floor(INBOXES / 2));
const lists = { single: [] as Timing[], inbox: [] as Timing[], all: [] as Timing[] };
const rates = new Map<string, Array<{ single: Ingest; inboxes: Ingest }>>();
// Unmeasured first: the fill leaves garbage to collect and routes not yet compiled.
for (const path of ['/api/v1/messages']) await timeList(`${singleBase}${path}`, {}, 50);
for (const path of [`/inbox/${oneInbox}/api/v1/messages`, '/all/api/v1/messages']) await timeList(`${teamsBase}${path}`, auth, 50);
for (let round = 0; round < ROUNDS; round++) {
  const singleFirst = round % 2 === 0;
  const listSingle = () => timeList(`${singleBase}/api/v1/messages`, {}, LIST_REQUESTS);
  const listInbox = () => timeList(`${teamsBase}/inbox/${oneInbox}/api/v1/messages`, auth, LIST_REQUESTS);
  if (singleFirst) lists.single.push(await listSingle());
  lists.inbox.push(await listInbox());
  lists.all.push(await timeList(`${teamsBase}/all/api/v1/messages`, auth, LIST_REQUESTS));
  if (!singleFirst) lists.single.push(await listSingle());
  for (const cell of CELLS) {
    const measureSingle = () => ingest(portOf(single, 'smtp'), cell.single, INGEST_SECONDS);
    const measureInboxes = () => ingest(portOf(teams, 'smtp'), cell.inboxes, INGEST_SECONDS);
    const pair = singleFirst ? { single: await measureSingle(), inboxes: await measureInboxes() } : { inboxes: await measureInboxes(), single: await measureSingle() };
    rates.set(cell.name, [...(rates.get(cell.name) ?? []), pair]);
  }
}

const sent = directory.get(inboxName(inboxFor(1)))?.store.stats().messages ?? 0;
await Promise.all([single.stop(0), teams.stop(0)]);
await rm(dir, { recursive: true, force: true });

const mid = (timings: Timing[], key: 'p50' | 'p95' | 'cpu') => median(timings.map((t) => t[key]));
console.log(`\nmachine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min); medians of ${ROUNDS} round(s)`);
console.log('wall-clock figures wait for a core on a busy machine; CPU figures (this process: servers and client) are what the work costs');
console.log(`\n| list, first page | p50 ms | p95 ms | CPU ms/request | messages_count | p95 / single p95 | CPU / single CPU | target |`);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const listRow = (name: string, timings: Timing[], target: string) =>
  console.log(
    `| ${name} | ${mid(timings, 'p50').toFixed(2)} | ${mid(timings, 'p95').toFixed(2)} | ${mid(timings, 'cpu').toFixed(2)} | ${timings.at(-1)?.count ?? '-'} | ${(mid(timings, 'p95') / mid(lists.single, 'p95')).toFixed(2)}× | ${(mid(timings, 'cpu') / mid(lists.single, 'cpu')).toFixed(2)}× | ${target} |`,
  );
listRow('single inbox: /api/v1/messages', lists.single, 'reference');
const inboxP95 = mid(lists.inbox, 'p95');
listRow(`one inbox: /inbox/${oneInbox}/api/v1/messages`, lists.inbox, `p95 ≤ ${TARGETS.listP95Ms} ms: ${inboxP95 <= TARGETS.listP95Ms ? 'ok' : 'MISSED'}`);
listRow('all inboxes: /all/api/v1/messages', lists.all, '-');

console.log(`\n| SMTP ingest, 2 KB, ${CONNECTIONS} kept-open connections | single msgs/s | inboxes msgs/s | rate ratio | single µs CPU/msg | inboxes µs CPU/msg | CPU efficiency ratio | target |`);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, pairs] of rates) {
  // Per round, inboxes over single (measured one right after the other); the median of the rounds.
  const ratio = median(pairs.map((p) => p.inboxes.rate / p.single.rate));
  const efficiency = median(pairs.map((p) => p.single.cpu / p.inboxes.cpu));
  const at = (side: 'single' | 'inboxes', key: keyof Ingest) => median(pairs.map((p) => p[side][key])).toFixed(0);
  console.log(
    `| ${name} | ${at('single', 'rate')} | ${at('inboxes', 'rate')} | ${ratio.toFixed(2)}× | ${at('single', 'cpu')} | ${at('inboxes', 'cpu')} | ${efficiency.toFixed(2)}× | ≥ ${TARGETS.ingestRatio}×: ${ratio >= TARGETS.ingestRatio ? 'ok' : 'MISSED'} |`,
  );
}
console.log(`\n(${inboxName(inboxFor(1))} held ${sent} messages at the end: ${PER_INBOX} stored before, the rest sent over SMTP)`);
