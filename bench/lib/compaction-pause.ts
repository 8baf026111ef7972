/**
 * How long writes wait while a node compacts the log (issue #15, pg-store.ts
 * #compactIfLong): a database is given `messages` messages with their body summaries
 * and three rounds of flag changes on all of them, so the log holds several times the
 * sandbox; then node A
 * (PgStore in this process, its next commit compacting) compacts it while node B (a
 * CLI process) takes SMTP messages one at a time, sent by a third process
 * (smtp-one-at-a-time.ts): node A works in this process, and whatever holds its event
 * loop would count as node B's wait. Node A's own writes wait while it takes its snapshot in
 * memory, but its reads go on (the event loop is held for moments only: longestHoldOnA);
 * node B's should not wait at all.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { summaryOfText } from '../../server/mime/body-text.js';
import { openPgStore } from '../../server/store/postgres/open-pg-store.js';
import { startNode } from '../../test/helpers/letterbox-node.js';
import { LOAD_ENVELOPE, messageOf } from '../../test/helpers/smtp-load.js';

export interface CompactionPause {
  /** Log records before the compaction, and after. */
  recordsBefore: number;
  recordsAfter: number;
  /** From node A's commit that set it off to the compaction's end. */
  compactionMs: number;
  /** Each SMTP message's time to its 250 on node B meanwhile. */
  waitsOnB: number[];
  /** The longest node A's event loop was held meanwhile (its reads wait that long): milliseconds. */
  longestHoldOnA: number;
}

const LIMITS = { maxMessages: 0, maxBytes: 0 };
const FLAG_ROUNDS = 3;
const PER_WRITE = 5_000;

export async function compactionPause(url: string, messages: number, countRecords: () => Promise<number>): Promise<CompactionPause> {
  const envelope = { mailFrom: LOAD_ENVELOPE.from, rcptTo: [LOAD_ENVELOPE.to] };
  // Never compacting while the log is filled.
  const filler = await openPgStore({ url, limits: LIMITS, compactFloor: Number.MAX_SAFE_INTEGER });
  try {
    // With the body summaries a node's indexer would log, so node B has nothing to index.
    for (let i = 0; i < messages; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, messages - i) }, async (_, k) => {
          const raw = messageOf(`compaction ${i + k}`);
          const message = await filler.deliver({ raw, envelope });
          await filler.setBody(message.id, summaryOfText(raw.toString('latin1', raw.indexOf('\r\n\r\n') + 4), 0, 0));
        }),
      );
    }
    const ids = filler.messages().map((m) => m.id);
    for (let round = 0; round < FLAG_ROUNDS; round++) {
      for (const operation of ['add', 'remove'] as const) {
        for (let i = 0; i < ids.length; i += PER_WRITE) await filler.setFlags(ids.slice(i, i + PER_WRITE), operation, ['\\Flagged']);
      }
    }
  } finally {
    await filler.close();
  }
  const recordsBefore = await countRecords();
  const b = await startNode(url);
  // A floor of 0: its first commit finds the log worth compacting.
  const a = await openPgStore({ url, limits: LIMITS, compactFloor: 0 });
  // A process of its own: node A works in this one.
  const writer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./smtp-one-at-a-time.ts', import.meta.url)), String(b.smtp)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = () => once(writer, 'message').then(([message]) => message as { ready?: true; waits?: number[] });
  try {
    await reply();
    const held = monitorEventLoopDelay({ resolution: 5 });
    held.enable();
    const started = performance.now();
    await a.deliver({ raw: messageOf('sets the compaction off'), envelope });
    await a.flushed();
    const compactionMs = performance.now() - started;
    held.disable();
    const done = reply();
    writer.send('stop');
    const waitsOnB = (await done).waits ?? [];
    return { recordsBefore, recordsAfter: await countRecords(), compactionMs, waitsOnB, longestHoldOnA: held.max / 1e6 };
  } finally {
    writer.kill();
    await a.close();
    await b.stop();
  }
}
