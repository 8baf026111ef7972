/**
 * ESEARCH result options (RFC 4731 §3.1) shared by SEARCH and SORT (RFC 5267 §3.2),
 * with PARTIAL (RFC 5267 §4.4, RFC 9394 §3): read from the command, and written as
 * one `* ESEARCH` response.
 */
import { quoted } from './encode.js';
import type { Reader } from './parser.js';
import { formatUidSet } from './sequence-set.js';

/** A 1-based position range in the result; negative positions count from its end (RFC 9394). */
export interface PartialRange {
  /** The position nearer the start (or, when negative, nearer the end) of the result. */
  low: number;
  high: number;
}

export interface ReturnOptions {
  /** Upper-case option names (PARTIAL included when asked). */
  options: Set<string>;
  partial: PartialRange | null;
}

const PARTIAL = /^(-?)(\d{1,10}):(-?)(\d{1,10})$/;

/** partial-range (RFC 9394 §3): `low:high` of nz-number32, both positive or both negative. */
function readPartialRange(r: Reader): PartialRange {
  const text = r.atom();
  const match = PARTIAL.exec(text);
  if (!match || match[1] !== match[3]) return r.fail('PARTIAL needs a range like 1:100 or -1:-100');
  const a = Number(match[2]);
  const b = Number(match[4]);
  if (a === 0 || b === 0 || a > 0xffffffff || b > 0xffffffff) return r.fail('PARTIAL positions are 1 to 4294967295');
  const sign = match[1] === '-' ? -1 : 1;
  return { low: sign * Math.min(a, b), high: sign * Math.max(a, b) };
}

/** `RETURN (…) ` if present (and the space after it); `allowed` names the options this command knows. */
export function readReturnOptions(r: Reader, allowed: ReadonlySet<string>): ReturnOptions | null {
  if (!r.word('RETURN ')) return null;
  const read: { partial: PartialRange | null } = { partial: null };
  const options = new Set(
    r.list(() => {
      const option = r.atom().toUpperCase();
      if (!allowed.has(option)) r.fail(`unsupported RETURN option ${option.slice(0, 30)}`);
      if (option === 'PARTIAL') {
        if (read.partial) r.fail('PARTIAL given twice');
        r.sp();
        read.partial = readPartialRange(r);
      }
      return option;
    }),
  );
  const { partial } = read;
  // RFC 9394 §3: ALL and PARTIAL ask for overlapping answers; a client picks one.
  if (options.has('ALL') && partial) r.fail('RETURN cannot hold both ALL and PARTIAL');
  // RFC 4731 §3.1: `RETURN ()` means ALL.
  if (options.size === 0) options.add('ALL');
  r.sp();
  return { options, partial };
}

/** The numbers a PARTIAL range selects from the whole result, in the result's order. */
export function partialSlice(numbers: readonly number[], range: PartialRange): number[] {
  if (range.low > 0) return numbers.slice(range.low - 1, range.high);
  const end = numbers.length + range.low + 1;
  return numbers.slice(Math.max(0, numbers.length + range.high), Math.max(0, end));
}

/**
 * The `* ESEARCH` line: `numbers` are the result in its order (ascending for SEARCH,
 * sorted for SORT, where MIN and MAX are its first and last, RFC 5267 §3.2).
 */
export function esearchLine(tag: string, uid: boolean, numbers: readonly number[], returns: ReturnOptions, extra: readonly string[] = []): string {
  const { options, partial } = returns;
  const parts = [`(TAG ${quoted(tag)})`];
  if (uid) parts.push('UID');
  if (numbers.length > 0) {
    if (options.has('MIN')) parts.push(`MIN ${numbers[0]}`);
    if (options.has('MAX')) parts.push(`MAX ${numbers[numbers.length - 1]}`);
    if (options.has('ALL')) parts.push(`ALL ${formatUidSet(numbers)}`);
  }
  if (partial) {
    const slice = partialSlice(numbers, partial);
    parts.push(`PARTIAL (${partial.low}:${partial.high} ${slice.length > 0 ? formatUidSet(slice) : 'NIL'})`);
  }
  if (options.has('COUNT')) parts.push(`COUNT ${numbers.length}`);
  parts.push(...extra);
  return `ESEARCH ${parts.join(' ')}`;
}
