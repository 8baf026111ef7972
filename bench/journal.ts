/**
 * How long a `--data-dir` journal's compaction holds the event loop: a store of N small
 * messages, journaled in a temporary folder, has the \Seen flag of every message set
 * and cleared 500 at a time, a turn of the event loop between batches, until the
 * journal has grown enough to be compacted while in use. The longest event loop delay
 * while the compaction runs (every read and SMTP reply waits that long) is printed
 * beside the longest of the same churn before it began, in the same run.
 *
 *   npm run bench journal
 *   BENCH_COUNTS=20000,200000 npm run bench journal
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../server/lib/log.js';
import { makeDurable } from '../server/store/journal/durable-store.js';
import { MemoryStore } from '../server/store/memory-store.js';

const COUNTS = (process.env.BENCH_COUNTS ?? '100000').split(',').map(Number);
const PER_CHANGE = 500;
/** Rounds of churn at most: a compaction comes well before. */
const MOST_ROUNDS = 40;

interface Result {
  count: number;
  compactionMs: number;
  /** Longest event loop delay while compacting, and in the churn before: milliseconds. */
  during: number;
  before: number;
}

async function run(count: number): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'letterbox-journal-bench-'));
  let started: number | undefined;
  let ended: number | undefined;
  const logger = createLogger({
    level: 'info',
    format: 'json',
    write: (line) => {
      if (line.includes('"compacting a journal"')) started = performance.now();
      if (line.includes('"compacted a journal"')) ended = performance.now();
    },
  });
  const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
  const durable = await makeDurable(store, dir, logger);
  try {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const to = `user${i % 1000}@blue.example`;
      const raw = Buffer.from(`From: alice@red.example\r\nTo: ${to}\r\nSubject: note ${i}\r\n\r\nbody of note ${i}\r\n`);
      ids.push((await store.deliver({ raw, envelope: { mailFrom: 'alice@red.example', rcptTo: [to] } })).id);
    }
    await durable.compacted();
    [started, ended] = [undefined, undefined];
    // The event loop's turns as a 1 ms timer sees them: a turn held up shows as a long gap.
    const gaps: Array<{ from: number; to: number }> = [];
    let last = performance.now();
    const ticking = setInterval(() => {
      const now = performance.now();
      gaps.push({ from: last, to: now });
      last = now;
    }, 1);
    try {
      for (let round = 0; round < MOST_ROUNDS && ended === undefined; round++) {
        for (let at = 0; at < ids.length && ended === undefined; at += PER_CHANGE) {
          await store.setFlags(ids.slice(at, at + PER_CHANGE), round % 2 === 0 ? 'add' : 'remove', ['\\Seen']);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      await durable.compacted();
    } finally {
      clearInterval(ticking);
    }
    if (started === undefined || ended === undefined) throw new Error(`no compaction after ${MOST_ROUNDS} rounds of churn`);
    const [from, to] = [started, ended];
    const longest = (keep: (gap: { from: number; to: number }) => boolean) => Math.max(0, ...gaps.filter(keep).map((gap) => gap.to - gap.from));
    return { count, compactionMs: to - from, during: longest((gap) => gap.to >= from && gap.from <= to), before: longest((gap) => gap.to < from) };
  } finally {
    await durable.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`A --data-dir journal compacted while ${PER_CHANGE} flags at a time change: longest event loop delay (ms)`);
console.log('   msgs | compaction | longest delay while compacting | longest delay of the churn before | ratio');
for (const count of COUNTS) {
  const r = await run(count);
  console.log(
    `${String(count).padStart(7)} | ${`${r.compactionMs.toFixed(0)} ms`.padStart(10)} | ${r.during.toFixed(1).padStart(30)} | ${r.before.toFixed(1).padStart(33)} | ${(r.during / r.before).toFixed(1)}×`,
  );
}
