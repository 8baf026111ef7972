/**
 * The PostgreSQL store (issue #15), first figures: ingest through the store itself, 2
 * nodes (two PgStores in this process) on one database, 8 concurrent deliverers split
 * across them, 2 KB messages; the memory store's rate for the same work beside it; and
 * how long a message delivered on one node takes to be announced on the other (p50,
 * p95). Rounds alternate the two backends, so a busy machine's slow spells fall on both.
 * The database is a private cluster (test/helpers/postgres.ts, fsync on) unless
 * BENCH_DATABASE names one (postgres://…); each round writes an inbox of its own there.
 *
 *   npm run bench cluster                    (about a minute)
 *   BENCH_SECONDS=2 BENCH_ROUNDS=1 npm run bench cluster
 *
 * Not yet here: SMTP sessions into two Letterbox processes, IDLE and WebSocket
 * latency, the API at 200,000 messages, the kill -9 run.
 */
import { MemoryStore } from '../server/store/memory-store.js';
import type { MailStore } from '../server/store/mail-store.js';
import { openPgStore } from '../server/store/postgres/open-pg-store.js';
import type { PgStore } from '../server/store/postgres/pg-store.js';
import { startPostgres, type Postgres } from '../test/helpers/postgres.js';
import { median, quantile } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DELIVERERS = 8;
const TARGET_RATE = 3_000;
const LIMITS = { maxMessages: 0, maxBytes: 0 };

const MESSAGE = (() => {
  const head = 'From: Bench <bench@red.example>\r\nTo: Sink <sink@blue.example>\r\nSubject: cluster benchmark\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
  return Buffer.from(head + line.repeat(Math.floor((2048 - head.length) / line.length)));
})();
const ENVELOPE = { mailFrom: 'bench@red.example', rcptTo: ['sink@blue.example'] };

/** Deliverer i uses node i % nodes.length, each delivering one message after the other; returns committed messages/s. */
async function ingest(nodes: MailStore[], sent?: Map<string, number>): Promise<number> {
  const stopAt = performance.now() + SECONDS * 1000;
  let committed = 0;
  await Promise.all(
    Array.from({ length: DELIVERERS }, async (_, i) => {
      const node = nodes[i % nodes.length] as MailStore;
      while (performance.now() < stopAt) {
        const started = performance.now();
        const message = await node.deliver({ raw: MESSAGE, envelope: ENVELOPE });
        sent?.set(message.id, started);
        committed++;
      }
    }),
  );
  return committed / SECONDS;
}

async function pgRound(url: string, round: number): Promise<{ rate: number; latencies: number[] }> {
  const inbox = `bench-${round}-${Date.now()}`;
  const nodes: PgStore[] = [await openPgStore({ url, inbox, limits: LIMITS }), await openPgStore({ url, inbox, limits: LIMITS })];
  // Announced on the other node: from the deliver call on one to the `delivered` on the other.
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  for (const node of nodes) {
    node.on('delivered', ({ message, remote }) => {
      const started = sent.get(message.id);
      if (remote && started !== undefined) latencies.push(performance.now() - started);
    });
  }
  try {
    return { rate: await ingest(nodes, sent), latencies };
  } finally {
    for (const node of nodes) await node.close();
  }
}

async function memoryRound(): Promise<number> {
  // Typed as the interface once the memory store's writes are asynchronous too (they already act so).
  return ingest([new MemoryStore({ limits: LIMITS }) as unknown as MailStore]);
}

async function main(): Promise<void> {
  let postgres: Postgres | undefined;
  const url = process.env.BENCH_DATABASE ?? (postgres = await startPostgres()).url;
  try {
    const pgRates: number[] = [];
    const memoryRates: number[] = [];
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const pg = await pgRound(url, round);
      pgRates.push(pg.rate);
      latencies.push(...pg.latencies);
      memoryRates.push(await memoryRound());
      console.log(`round ${round + 1}: PostgreSQL ${pg.rate.toFixed(0)} msg/s, memory ${memoryRates.at(-1)?.toFixed(0)} msg/s`);
    }
    const pgRate = median(pgRates);
    const memoryRate = median(memoryRates);
    console.table([
      { backend: 'PostgreSQL, 2 nodes', 'msg/s committed': Math.round(pgRate), target: `≥ ${TARGET_RATE}`, met: pgRate >= TARGET_RATE ? 'yes' : 'NO' },
      { backend: 'memory, 1 node', 'msg/s committed': Math.round(memoryRate), target: '', met: '' },
    ]);
    console.log(`PostgreSQL / memory: ${(pgRate / memoryRate).toFixed(3)}`);
    console.log(
      `announced on the other node (store events, ${latencies.length} messages): p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p95 ${quantile(latencies, 0.95).toFixed(1)} ms`,
    );
  } finally {
    await postgres?.stop();
  }
}

await main();
