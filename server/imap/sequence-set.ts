import type { Reader } from './parser.js';
import { formatRanges, rangesOf } from './uid-ranges.js';

/** RFC 3501 §9 seq-number: a number, or `*` for the largest in use. */
export type SeqNumber = number | '*';
export interface SeqRange {
  from: SeqNumber;
  to: SeqNumber;
}
/** RFC 5182 seq-last-command: `$`, the messages the last `SEARCH RETURN (SAVE)` kept. */
export const LAST_RESULT = '$';
export type SequenceSet = Array<SeqRange | typeof LAST_RESULT>;

/** The most ranges one set may have: bounds the work a single command can ask for. */
const MAX_RANGES = 100_000;

function readSeqNumber(r: Reader): SeqNumber {
  if (r.take('*')) return '*';
  const value = r.number32();
  if (value === 0) r.fail('sequence numbers start at 1');
  return value;
}

/**
 * sequence-set: ranges in any order (`5:2` means `2:5`), comma separated, and the
 * RFC 5182 §3 / RFC 9051 §9 `$` marker (taken in any position of the list).
 */
export function readSequenceSet(r: Reader): SequenceSet {
  const set: SequenceSet = [];
  do {
    if (r.take(LAST_RESULT)) {
      set.push(LAST_RESULT);
      if (set.length > MAX_RANGES) r.fail('sequence set too long');
      continue;
    }
    const from = readSeqNumber(r);
    const to = r.take(':') ? readSeqNumber(r) : from;
    set.push({ from, to });
    if (set.length > MAX_RANGES) r.fail('sequence set too long');
  } while (r.take(','));
  return set;
}

function bounds(range: SeqRange, star: number): [number, number] {
  const a = range.from === '*' ? star : range.from;
  const b = range.to === '*' ? star : range.to;
  return a <= b ? [a, b] : [b, a];
}

/**
 * The 0-based indexes, ascending and distinct, that a message-sequence set names in
 * a view of `count` messages. Ranges reaching past the end are clipped (so
 * `1:4294967295` costs what `1:*` costs); a set naming no message at all is invalid
 * (RFC 3501 §9: a seq-number greater than the count is not allowed). `saved` are the
 * indexes `$` stands for; an empty `$` names nothing but is valid (RFC 5182 §2.1).
 */
export function resolveSequenceNumbers(set: SequenceSet, count: number, saved: readonly number[] = []): number[] | 'invalid' {
  const marks = new Uint8Array(count);
  let any = false;
  let savedMarked = false;
  for (const range of set) {
    if (range === LAST_RESULT) {
      // Marked once however often `$` repeats: `$,$,…` costs what `$` costs.
      if (!savedMarked) for (const i of saved) marks[i] = 1;
      any = savedMarked = true;
      continue;
    }
    const [lo, hi] = bounds(range, count);
    if (lo > count) continue;
    any = true;
    marks.fill(1, lo - 1, Math.min(hi, count));
  }
  if (!any && count > 0) return 'invalid';
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (marks[i]) out.push(i);
  return out;
}

/** First index whose value is ≥ target in an ascending array. */
export function lowerBound(values: readonly number[], target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The 0-based indexes that a UID set names among ascending `uids`. UIDs that do not
 * exist are ignored (RFC 3501 §6.4.8); `*` is the largest UID in the mailbox; `$`
 * stands for the indexes in `saved` (RFC 5182).
 */
export function resolveUids(set: SequenceSet, uids: readonly number[], saved: readonly number[] = []): number[] {
  const count = uids.length;
  if (count === 0) return [];
  const star = uids[count - 1] as number;
  const only = set.length === 1 ? set[0] : undefined;
  if (only !== undefined && only !== LAST_RESULT) {
    const [lo, hi] = bounds(only, star);
    const start = lowerBound(uids, lo);
    const end = lowerBound(uids, hi + 1);
    return Array.from({ length: end - start }, (_, i) => start + i);
  }
  const marks = new Uint8Array(count);
  let savedMarked = false;
  for (const range of set) {
    if (range === LAST_RESULT) {
      if (!savedMarked) for (const i of saved) marks[i] = 1;
      savedMarked = true;
      continue;
    }
    const [lo, hi] = bounds(range, star);
    marks.fill(1, lowerBound(uids, lo), lowerBound(uids, hi + 1));
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (marks[i]) out.push(i);
  return out;
}

/** A compact UID set for responses (COPYUID, SEARCH results in ESEARCH style): `1:3,7`. */
export function formatUidSet(uids: readonly number[]): string {
  return formatRanges(rangesOf(uids));
}
