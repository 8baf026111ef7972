/**
 * Soak: a bounded run of mixed load against one in-process sandbox whose store limit is
 * low enough to be reached early, then an audit. SMTP senders (nodemailer, raw message
 * bytes), IMAP IDLE sessions and FETCH sessions (bare sockets), POP3 downloaders, API
 * readers and WebSocket listeners all run at once; two probes time IMAP NOOP and the API
 * list. At the end every message that got a 250 must either be retrievable byte-identical
 * (API raw) or have been announced as pruned — and every copy read during the run through
 * any front must have matched the bytes sent.
 *
 *   npm run bench soak                 # 5 minutes
 *   SOAK_SECONDS=60 npm run bench soak # shorter
 *
 * Exits non-zero when anything was lost or changed, or an error was not expected.
 * RSS is of this whole process (server and load together); "flat" compares the RSS once
 * the store limit was first reached, and half-way (after warm-up), with the RSS at the
 * end, after a GC. SOAK_MAX_MESSAGES sets the store limit (default 200); SOAK_SENDERS,
 * SOAK_IMAP_FETCHERS, SOAK_IMAP_IDLERS, SOAK_POP3_DOWNLOADERS, SOAK_API_READERS and
 * SOAK_WS_LISTENERS the mix.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { SmtpClient } from '../server/cli/smtp-client.js';
import { startTestSandbox } from '../test/helpers/sandbox.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const MAX_MESSAGES = Number(process.env.SOAK_MAX_MESSAGES ?? 200);
const SENDERS = Number(process.env.SOAK_SENDERS ?? 4);
const USERS = 4;
const IMAP_FETCHERS = Number(process.env.SOAK_IMAP_FETCHERS ?? 2);
const IMAP_IDLERS = Number(process.env.SOAK_IMAP_IDLERS ?? 4);
const POP3_DOWNLOADERS = Number(process.env.SOAK_POP3_DOWNLOADERS ?? 2);
const API_READERS = Number(process.env.SOAK_API_READERS ?? 2);
const WS_LISTENERS = Number(process.env.SOAK_WS_LISTENERS ?? 8);
const PROBE_EVERY_MS = 20;
const SEND_PAUSE_MS = Number(process.env.SOAK_SEND_PAUSE_MS ?? 5);
/** Pause between FETCH rounds of one session, so FETCH does not starve everything else. */
const FETCH_PAUSE_MS = 20;
/** Pause between rounds of the API readers and between POP3 sessions. */
const READ_PAUSE_MS = 20;

const gc = (globalThis as { gc?: () => void }).gc;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------- the sandbox
// Every listener on 127.0.0.1, port 0, logging nothing (as the tests start one).
const sandbox = await startTestSandbox({ maxMessages: MAX_MESSAGES, maxBytes: 0 });
const port = (name: string): number => sandbox.port(name);
const base = `http://127.0.0.1:${port('http')}`;

// ---------------------------------------------------------------- bookkeeping
/** Every message that got a 250: its id and the hash of the bytes sent. */
const accepted = new Map<string, string>();
/** Hashes of every message body sent, by the X-Soak-Seq it carries. */
const sentBySeq = new Map<number, string>();
const prunedIds = new Set<string>();
let wsPruneAnnouncements = 0;
let limitReachedAt = 0;
let rssAtLimit = 0;
let heapAtLimit = 0;
let rssAtHalf = 0;
let heapAtHalf = 0;
/** Entries in the audit's own maps at half-way (they grow with every message, by design). */
let auditEntriesAtHalf = 0;
let peakRss = 0;
const counts: Record<string, number> = { smtp: 0, imapFetch: 0, imapIdleEvents: 0, pop3Retr: 0, apiReads: 0, wsEvents: 0, noop: 0, list: 0 };
const errors: string[] = [];
const changed: string[] = [];
const noopMs: number[] = [];
const listMs: number[] = [];
let running = true;

sandbox.store.on('removed', ({ messages, reason }) => {
  if (reason !== 'pruned') return;
  for (const m of messages) prunedIds.add(m.id);
  if (!limitReachedAt) {
    limitReachedAt = performance.now();
    gc?.();
    rssAtLimit = process.memoryUsage().rss;
    heapAtLimit = process.memoryUsage().heapUsed;
  }
});
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);

function unexpected(where: string, error: unknown): void {
  if (errors.length < 50) errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  else errors.push('');
}

/** A message read back through any front must be byte-identical to what was sent. */
function verify(where: string, bytes: Buffer): void {
  const seq = /^X-Soak-Seq: (\d+)\r$/m.exec(bytes.toString('latin1'))?.[1];
  const want = seq === undefined ? undefined : sentBySeq.get(Number(seq));
  if (want === undefined || want !== sha(bytes)) changed.push(`${where}: seq ${seq ?? '?'} differs (${bytes.length} bytes)`);
}

// ---------------------------------------------------------------- message bytes
let nextSeq = 0;
function message(sender: number): { seq: number; raw: Buffer; to: string } {
  const seq = nextSeq++;
  const to = `user${seq % USERS}@soak.test`;
  const lines: string[] = [];
  const size = 500 + ((seq * 7919) % 20_000);
  // Lines starting with dots, and a bare "." line, so dot-stuffing is exercised each time.
  for (let length = 0; length < size; ) {
    const line = lines.length % 9 === 0 ? '.' : lines.length % 5 === 0 ? `..dots ${seq}` : `line ${lines.length} of message ${seq} from sender ${sender}`;
    lines.push(line);
    length += line.length + 2;
  }
  const text = [`From: Sender ${sender} <s${sender}@soak.test>`, `To: <${to}>`, `Subject: Soak ${seq}`, `Message-ID: <soak-${seq}@soak.test>`, `X-Soak-Seq: ${seq}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', ...lines, ''].join('\r\n');
  return { seq, raw: Buffer.from(text), to };
}

// ---------------------------------------------------------------- line reader
class Lines {
  #buf: Buffer = Buffer.alloc(0);
  #wait: (() => void) | undefined;
  closed = false;
  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, c]) : c;
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }
  #wake(): void {
    const w = this.#wait;
    this.#wait = undefined;
    w?.();
  }
  async #more(): Promise<void> {
    if (this.closed) throw new Error('connection closed');
    await new Promise<void>((r) => (this.#wait = r));
  }
  async line(): Promise<Buffer> {
    for (;;) {
      const lf = this.#buf.indexOf(0x0a);
      if (lf >= 0) {
        const line = this.#buf.subarray(0, lf + 1);
        this.#buf = this.#buf.subarray(lf + 1);
        return line;
      }
      await this.#more();
    }
  }
  async bytes(n: number): Promise<Buffer> {
    while (this.#buf.length < n) await this.#more();
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }
}

async function open(p: number): Promise<Lines> {
  const socket = connect({ host: '127.0.0.1', port: p });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return new Lines(socket);
}

// ---------------------------------------------------------------- IMAP
async function imapLogin(user: string): Promise<Lines> {
  const c = await open(port('imap'));
  await c.line();
  await imapCommand(c, 'a', `LOGIN ${user} x`);
  await imapCommand(c, 'b', 'SELECT INBOX');
  return c;
}

/** Sends a command; returns the untagged lines (literals as Buffers) and the tagged status. */
async function imapCommand(c: Lines, tag: string, text: string): Promise<{ status: string; literals: Buffer[]; lines: string[] }> {
  c.socket.write(`${tag} ${text}\r\n`);
  const literals: Buffer[] = [];
  const lines: string[] = [];
  for (;;) {
    const line = (await c.line()).toString('latin1');
    const lit = /\{(\d+)\}\r\n$/.exec(line);
    if (lit) {
      literals.push(await c.bytes(Number(lit[1])));
      continue;
    }
    lines.push(line);
    if (line.startsWith(`${tag} `)) {
      const status = line.slice(tag.length + 1).trimEnd();
      if (!/^(OK|NO)\b/.test(status)) throw new Error(`IMAP ${text.split(' ')[0]}: ${status}`);
      return { status, literals, lines };
    }
    if (line.startsWith('* BYE')) throw new Error(`IMAP BYE: ${line.trimEnd()}`);
  }
}

/** The message count a session knows, kept from the EXISTS and EXPUNGE it is sent. */
function trackCount(count: number, lines: string[]): number {
  for (const line of lines) {
    if (/^\* \d+ EXISTS/.test(line)) count = Number(line.split(' ')[1]);
    else if (/^\* \d+ EXPUNGE/.test(line)) count--;
  }
  return count;
}

/**
 * A polling client, as mail clients are: NOOP (which lets the server report what was
 * pruned), then the newest five messages in full. (A client that only ever FETCHes by
 * sequence number can never be told of an expunge, RFC 3501 §7.4.1.)
 */
async function imapFetcher(i: number): Promise<void> {
  const c = await open(port('imap'));
  await c.line();
  await imapCommand(c, 'a', `LOGIN user${i % USERS}@soak.test x`);
  let count = trackCount(0, (await imapCommand(c, 'b', 'SELECT INBOX')).lines);
  let n = 0;
  while (running) {
    try {
      count = trackCount(count, (await imapCommand(c, `n${n}`, 'NOOP')).lines);
      if (count > 0) {
        const r = await imapCommand(c, `f${n}`, `FETCH ${Math.max(1, count - 4)}:${count} BODY.PEEK[]`);
        count = trackCount(count, r.lines);
        for (const body of r.literals) {
          verify('imap BODY[]', body);
          counts.imapFetch!++;
        }
      }
      n++;
      await new Promise((resolve) => setTimeout(resolve, FETCH_PAUSE_MS));
    } catch (error) {
      unexpected('imap fetch', error);
      return;
    }
  }
  c.socket.destroy();
}

async function imapIdler(i: number): Promise<void> {
  const c = await imapLogin(`user${i % USERS}@soak.test`);
  c.socket.write('i IDLE\r\n');
  const cont = (await c.line()).toString('latin1');
  if (!cont.startsWith('+')) return unexpected('imap idle', cont);
  const done = new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      if (running) return;
      clearInterval(tick);
      resolve();
    }, 100);
  });
  const reader = (async () => {
    for (;;) {
      const line = (await c.line()).toString('latin1');
      if (line.startsWith('i ')) return;
      if (/^\* \d+ (EXISTS|EXPUNGE)/.test(line)) counts.imapIdleEvents!++;
    }
  })();
  await done;
  c.socket.write('DONE\r\n');
  await reader.catch((error: unknown) => unexpected('imap idle', error));
  c.socket.destroy();
}

async function noopProbe(): Promise<void> {
  const c = await imapLogin('probe');
  let n = 0;
  while (running) {
    const t = performance.now();
    try {
      await imapCommand(c, `p${n++}`, 'NOOP');
    } catch (error) {
      unexpected('imap noop', error);
      return;
    }
    noopMs.push(performance.now() - t);
    counts.noop!++;
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  c.socket.destroy();
}

// ---------------------------------------------------------------- POP3
async function pop3Command(c: Lines, text: string): Promise<string> {
  c.socket.write(text + '\r\n');
  return (await c.line()).toString('latin1');
}

async function pop3Body(c: Lines): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    const line = await c.line();
    if (line.length === 3 && line[0] === 0x2e) return Buffer.concat(parts);
    parts.push(line[0] === 0x2e ? line.subarray(1) : line);
  }
}

async function pop3Downloader(i: number): Promise<void> {
  while (running) {
    try {
      const c = await open(port('pop3'));
      await c.line();
      await pop3Command(c, `USER user${i % USERS}@soak.test`);
      const pass = await pop3Command(c, 'PASS x');
      if (pass.startsWith('-ERR [IN-USE]')) {
        c.socket.destroy();
        continue;
      }
      if (!pass.startsWith('+OK')) throw new Error(pass);
      const stat = /^\+OK (\d+)/.exec(await pop3Command(c, 'STAT'));
      const count = Number(stat?.[1] ?? 0);
      for (let k = count; k > Math.max(0, count - 10) && running; k--) {
        const reply = await pop3Command(c, `RETR ${k}`);
        if (reply.startsWith('-ERR Message') && /removed/.test(reply)) continue;
        if (!reply.startsWith('+OK')) throw new Error(reply);
        verify('pop3 RETR', await pop3Body(c));
        counts.pop3Retr!++;
      }
      await pop3Command(c, 'QUIT');
      c.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, READ_PAUSE_MS));
    } catch (error) {
      unexpected('pop3', error);
      return;
    }
  }
}

// ---------------------------------------------------------------- API and WebSocket
async function getJson(path: string): Promise<unknown> {
  const res = await fetch(base + path);
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

async function apiReader(): Promise<void> {
  while (running) {
    try {
      const page = (await getJson('/api/v1/messages?limit=10')) as { messages: Array<{ ID: string }> };
      counts.apiReads!++;
      for (const { ID } of page.messages.slice(0, 3)) {
        const res = await fetch(`${base}/api/v1/message/${ID}/raw`);
        if (res.status === 404) continue; // pruned between the list and the read
        if (res.status !== 200) throw new Error(`raw: HTTP ${res.status}`);
        verify('api raw', Buffer.from(await res.arrayBuffer()));
        counts.apiReads!++;
      }
      await new Promise((resolve) => setTimeout(resolve, READ_PAUSE_MS));
    } catch (error) {
      unexpected('api', error);
      return;
    }
  }
}

async function listProbe(): Promise<void> {
  while (running) {
    const t = performance.now();
    try {
      await getJson('/api/v1/messages?limit=50');
    } catch (error) {
      unexpected('api list', error);
      return;
    }
    listMs.push(performance.now() - t);
    counts.list!++;
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
}

async function wsListener(): Promise<void> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/events`);
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  ws.on('message', (data: Buffer) => {
    counts.wsEvents!++;
    try {
      const frame = JSON.parse(data.toString('utf8')) as { Type?: string };
      if (frame.Type === 'prune') wsPruneAnnouncements++;
    } catch (error) {
      unexpected('ws', error);
    }
  });
  ws.on('error', (error) => unexpected('ws', error));
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      if (running) return;
      clearInterval(tick);
      resolve();
    }, 100);
  });
  ws.close();
}

// ---------------------------------------------------------------- SMTP
async function sender(i: number): Promise<void> {
  // Letterbox's own submission client: message and terminator in one write, so the figure
  // is the server's, not Nagle's (nodemailer pays a delayed-ACK wait per message).
  const client = await SmtpClient.open({ host: '127.0.0.1', port: port('smtp'), helo: `sender${i}.soak.test` });
  while (running) {
    const m = message(i);
    sentBySeq.set(m.seq, sha(m.raw));
    try {
      const result = await client.submit({ mailFrom: `s${i}@soak.test`, rcptTo: [m.to] }, m.raw);
      const id = /queued as (\S+)/.exec(result.reply)?.[1];
      if (!id) throw new Error(`no id in "${result.reply}"`);
      accepted.set(id, sha(m.raw));
      counts.smtp!++;
    } catch (error) {
      unexpected('smtp', error);
      break;
    }
    // A steady trickle rather than a flood: the other fronts get their share of two cores.
    await new Promise((r) => setTimeout(r, SEND_PAUSE_MS));
  }
  await client.close();
}

// ---------------------------------------------------------------- run
const started = performance.now();
const startRss = process.memoryUsage().rss;
console.log(`soak: ${SECONDS}s, store limit ${MAX_MESSAGES} messages; ${SENDERS} SMTP senders, ${IMAP_FETCHERS} IMAP FETCH + ${IMAP_IDLERS} IDLE sessions, ${POP3_DOWNLOADERS} POP3 downloaders, ${API_READERS} API readers, ${WS_LISTENERS} WebSocket listeners`);
const workers: Array<Promise<void>> = [];
for (let i = 0; i < WS_LISTENERS; i++) workers.push(wsListener());
for (let i = 0; i < IMAP_IDLERS; i++) workers.push(imapIdler(i));
for (let i = 0; i < SENDERS; i++) workers.push(sender(i));
for (let i = 0; i < IMAP_FETCHERS; i++) workers.push(imapFetcher(i));
for (let i = 0; i < POP3_DOWNLOADERS; i++) workers.push(pop3Downloader(i));
for (let i = 0; i < API_READERS; i++) workers.push(apiReader());
workers.push(noopProbe(), listProbe());
const progress = setInterval(() => {
  const s = Math.round((performance.now() - started) / 1000);
  console.log(`  ${s}s: ${counts.smtp} accepted, ${prunedIds.size} pruned, rss ${mb(process.memoryUsage().rss)}`);
}, 15_000);
await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
// Half-way, when pools and JIT have warmed up: the fairer base for "flat".
gc?.();
rssAtHalf = process.memoryUsage().rss;
heapAtHalf = process.memoryUsage().heapUsed;
auditEntriesAtHalf = auditEntries();
await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
running = false;
await Promise.all(workers.map((w) => w.catch((error: unknown) => unexpected('worker', error))));
clearInterval(progress);
const elapsed = (performance.now() - started) / 1000;

// ---------------------------------------------------------------- audit
let lost = 0;
let intact = 0;
for (const [id, hash] of accepted) {
  if (prunedIds.has(id)) continue;
  const res = await fetch(`${base}/api/v1/message/${id}/raw`);
  if (res.status !== 200) {
    lost++;
    if (lost <= 5) console.log(`  lost: ${id} (HTTP ${res.status})`);
    continue;
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (sha(bytes) !== hash) changed.push(`final raw ${id} differs`);
  else intact++;
}
gc?.();
const endRss = process.memoryUsage().rss;
const endHeap = process.memoryUsage().heapUsed;
// The audit runs in this process and keeps an entry or two per message ever sent, so
// the process heap grows with the run whatever Letterbox does. Weigh the audit's maps
// (free them and collect) to judge Letterbox's own heap: flat once the store is full.
const auditEntriesAtEnd = auditEntries();
const auditReport = { accepted: accepted.size, pruned: [...accepted.keys()].filter((id) => prunedIds.has(id)).length };
accepted.clear();
sentBySeq.clear();
prunedIds.clear();
gc?.();
const auditBytesPerEntry = (endHeap - process.memoryUsage().heapUsed) / Math.max(1, auditEntriesAtEnd);
const ownHeapAtHalf = heapAtHalf - auditBytesPerEntry * auditEntriesAtHalf;
const ownHeapAtEnd = endHeap - auditBytesPerEntry * auditEntriesAtEnd;
// Flat: the second half adds at most a fifth, or 8 MB (pools, JIT, caches filling).
const heapFlat = ownHeapAtEnd <= Math.max(ownHeapAtHalf * 1.2, ownHeapAtHalf + 8 * 1024 * 1024);
clearInterval(rssTimer);
await sandbox.stop(0);

function auditEntries(): number {
  return accepted.size + sentBySeq.size + prunedIds.size;
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
function p99(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  return `${(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] as number).toFixed(1)} ms`;
}
const rate = (n: number) => `${(n / elapsed).toFixed(1)}/s`;

console.log(`\nran ${elapsed.toFixed(1)}s`);
console.log('throughput per protocol:');
console.log(`  SMTP accepted        ${counts.smtp} (${rate(counts.smtp!)})`);
console.log(`  IMAP FETCH BODY[]    ${counts.imapFetch} (${rate(counts.imapFetch!)}), IDLE EXISTS/EXPUNGE seen ${counts.imapIdleEvents}`);
console.log(`  POP3 RETR            ${counts.pop3Retr} (${rate(counts.pop3Retr!)})`);
console.log(`  API reads            ${counts.apiReads} (${rate(counts.apiReads!)})`);
console.log(`  WebSocket events     ${counts.wsEvents} (${rate(counts.wsEvents!)}), prune announcements ${wsPruneAnnouncements}`);
console.log('audit:');
console.log(`  250'd ${auditReport.accepted}: ${intact} retrievable byte-identical, ${auditReport.pruned} announced as pruned, ${lost} lost`);
console.log(`  copies read during the run that differed: ${changed.length}${changed.length ? ' — ' + changed.slice(0, 3).join('; ') : ''}`);
console.log(`  unexpected errors: ${errors.length}${errors.length ? ' — ' + errors.filter(Boolean).slice(0, 5).join('; ') : ''}`);
console.log('memory (whole process):');
console.log(`  start ${mb(startRss)}, peak ${mb(peakRss)}, at store limit ${limitReachedAt ? mb(rssAtLimit) + ` (${((limitReachedAt - started) / 1000).toFixed(1)}s in)` : 'never reached'}, end ${mb(endRss)}` + (rssAtLimit ? ` → end/limit ${(endRss / rssAtLimit).toFixed(2)}x` : ''));
console.log(`  half-way ${mb(rssAtHalf)} → end/half-way ${(endRss / rssAtHalf).toFixed(2)}x; JS heap after GC: at limit ${mb(heapAtLimit)}, half-way ${mb(heapAtHalf)}, end ${mb(endHeap)}`);
console.log(`  the audit's own maps: ${auditEntriesAtEnd} entries, ${auditBytesPerEntry.toFixed(0)} B each; heap without them: half-way ${mb(ownHeapAtHalf)}, end ${mb(ownHeapAtEnd)} → ${heapFlat ? 'flat' : 'GROWING'}`);
console.log('latency (probe every 20 ms):');
console.log(`  IMAP NOOP p99 ${p99(noopMs)} over ${noopMs.length}; API list (50) p99 ${p99(listMs)} over ${listMs.length}; target ≤ 50 ms`);
const p99Of = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? Infinity;
const latencyMet = p99Of(noopMs) <= 50 && p99Of(listMs) <= 50;
console.log(`  latency target ${latencyMet ? 'met' : 'MISSED'}`);
const failed = lost > 0 || changed.length > 0 || errors.length > 0 || !limitReachedAt || !heapFlat;
console.log(failed ? 'SOAK FAILED' : 'soak passed: 0 lost, 0 changed, 0 unexpected errors');
process.exit(failed ? 1 : 0);
