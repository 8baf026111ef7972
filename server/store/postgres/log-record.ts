import type { JournalRecord } from '../journal/record-codec.js';
import type { BodySummary, HeaderSummary, RemoveReason } from '../types.js';

/** A header summary as JSON holds it: the Date header as an ISO string. */
export type SummaryJson = Omit<HeaderSummary, 'date'> & { date: string | null };

type JournalMessage = Extract<JournalRecord, { t: 'msg' }>;

/**
 * A record of the shared log (letterbox_log.record): the --data-dir journal's result
 * records (journal/record-codec.ts), so a node rebuilds its index the way a journal
 * is read back, with what a cluster needs besides:
 * - `msg` carries no bytes (those are in letterbox_bodies) but the size and header
 *   summary, so a node loads its index without reading a single body;
 * - `remove` says why, so every node announces a prune as a prune;
 * - `body` shares the body summary the delivering node's indexer made, without its
 *   search text (in letterbox_body_text: body-text.ts);
 * - `modseq` hands out a mod-sequence cluster-wide (MailStore.nextModseq);
 * - `snapshot` starts each row of a compacted log's beginning (log-snapshot.ts): the
 *   rows up to position `at` were replaced by `size` records that rebuild the state.
 */
export type LogRecord =
  | (Omit<JournalMessage, 'raw'> & { size: number; summary: SummaryJson })
  | Exclude<JournalRecord, { t: 'msg' } | { t: 'remove' }>
  | { t: 'remove'; ids: string[]; reason: RemoveReason }
  | { t: 'body'; id: string; body: BodySummary }
  | { t: 'modseq'; modseq: number }
  | { t: 'snapshot'; at: number; size: number };

/**
 * A row of the log as read back: the records one transaction wrote, at positions up to
 * `pos`, the last. Schema 1 wrote a row per record, which reads as a row of one.
 */
export interface LogRow {
  pos: number;
  records: LogRecord[];
}

export function summaryToJson(summary: HeaderSummary): SummaryJson {
  return { ...summary, date: summary.date ? summary.date.toISOString() : null };
}

export function summaryFromJson(json: SummaryJson): HeaderSummary {
  return { ...json, date: json.date === null ? null : new Date(json.date) };
}
