import { foldersRecord } from '../journal/durable-store.js';
import type { MemoryStore } from '../memory-store.js';
import type { StoredMessage } from '../types.js';
import { indexedBody } from './body-text.js';
import { messageRecord } from './log-capture.js';
import type { LogRecord, LogRow } from './log-record.js';

/** Records a row of a snapshot holds at most, its marker included: a reader takes a row whole. */
export const SNAPSHOT_ROW_RECORDS = 1_000;

/** Messages turned into records between two turns of the event loop: a few milliseconds' work. */
const MESSAGES_PER_TURN = 1_000;

/**
 * The index as records that rebuild it on an empty one, as the journal's compaction
 * writes a store (journal/durable-store.ts): the mod-sequence handed out last (an
 * expunge's may be above every message's), every login's folders with their UIDNEXT
 * and UIDVALIDITY, then every message with its placements, flags, tags and body summary.
 *
 * It lets the event loop turn every MESSAGES_PER_TURN messages, so the node goes on
 * answering reads while it snapshots a large sandbox (seconds at a million messages);
 * the caller keeps writes from changing the index until it resolves (PgStore's turn).
 */
export async function snapshotRecords(index: MemoryStore): Promise<LogRecord[]> {
  const records: LogRecord[] = [{ t: 'modseq', modseq: index.modseq }];
  for (const login of index.folders.logins()) records.push(foldersRecord(index, login));
  const messages = index.messages();
  for (let i = 0; i < messages.length; i++) {
    if (i > 0 && i % MESSAGES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const message = messages[i] as StoredMessage;
    records.push(messageRecord(index, message));
    if (message.body) records.push({ t: 'body', id: message.id, body: indexedBody(message.body) });
  }
  return records;
}

/**
 * The records as the rows that take the place of the log up to position `at`: each
 * row starts with a `snapshot` marker and ends where its records end, the last at
 * `at`, so positions after it go on unchanged. Undefined when they would not fit below
 * `at` (the log is no longer than the snapshot).
 */
export function snapshotRows(records: readonly LogRecord[], at: number): LogRow[] | undefined {
  const perRow = SNAPSHOT_ROW_RECORDS - 1;
  const rows = Math.max(1, Math.ceil(records.length / perRow));
  const size = records.length + rows;
  if (size >= at) return undefined;
  const marker: SnapshotMarker = { t: 'snapshot', at, size };
  const out: LogRow[] = [];
  let pos = at - size;
  for (let start = 0; start < records.length || out.length === 0; start += perRow) {
    const row = [marker, ...records.slice(start, start + perRow)];
    pos += row.length;
    out.push({ pos, records: row });
  }
  return out;
}

export type SnapshotMarker = Extract<LogRecord, { t: 'snapshot' }>;

/** The record as a snapshot marker, if it is one. */
export function markerOf(record: LogRecord | null | undefined): SnapshotMarker | undefined {
  return record?.t === 'snapshot' ? record : undefined;
}

/** The snapshot marker a row starts with, if it is a row of a compacted log's beginning. */
export function snapshotOf(row: LogRow): SnapshotMarker | undefined {
  return markerOf(row.records[0]);
}
