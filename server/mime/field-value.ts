import { headerEnd } from './headers.js';

const LF = 0x0a;
/**
 * Header lines looked through at most by `firstFieldValue`. A flood of 100,000 fields is
 * not read to its end on each request for one optional field (List-Unsubscribe, X-Tags).
 */
const MAX_LINES = 10_000;

/**
 * The first value of a header field, as readHeaderFields would give it (unfolded,
 * trimmed, read as UTF-8), found without splitting the header: only the lines starting
 * with `name` (ASCII, any case) then optional whitespace and a colon are looked at,
 * among the first MAX_LINES.
 */
export function firstFieldValue(raw: Buffer, name: string): string | undefined {
  let prepared = single.get(name);
  if (!prepared) {
    // Callers ask for a handful of fixed names; an IMAP SEARCH HEADER may ask for any.
    if (single.size >= MAX_SINGLE_NAMES) single.clear();
    prepared = fieldNames([name]);
    single.set(name, prepared);
  }
  return firstFieldValues(raw, prepared, MAX_LINES)[0];
}

const single = new Map<string, FieldNames>();
const MAX_SINGLE_NAMES = 64;

/** Field names made ready for `firstFieldValues`: once, for names asked for on every message. */
export interface FieldNames {
  /** Each name lower-cased, as bytes. */
  readonly bytes: readonly Buffer[];
  /** The indexes of the names starting with each lower-case first byte. */
  readonly byFirst: ReadonlyMap<number, readonly number[]>;
}

export function fieldNames(names: readonly string[]): FieldNames {
  const bytes = names.map((name) => Buffer.from(name.toLowerCase(), 'latin1'));
  const byFirst = new Map<number, number[]>();
  bytes.forEach((name, index) => {
    const first = name[0] ?? 0;
    byFirst.set(first, [...(byFirst.get(first) ?? []), index]);
  });
  return { bytes, byFirst };
}

/**
 * The first value of each of a few header fields, in one pass over the header block's
 * lines, as `firstFieldValue` finds one. Each line costs a native search for its end and
 * a few byte comparisons, so reading a whole flood of fields (RFC 5322 sets no limit on
 * their number) stays linear and cheap; `maxLines` bounds it further when asked.
 */
export function firstFieldValues(raw: Buffer, names: FieldNames, maxLines = Infinity): Array<string | undefined> {
  const end = headerEnd(raw);
  const values: Array<string | undefined> = names.bytes.map(() => undefined);
  let missing = values.length;
  for (let line = 0, lines = 0; line < end && lines < maxLines && missing > 0; lines++) {
    const next = raw.indexOf(LF, line);
    const lineEnd = next < 0 || next >= end ? end : next + 1;
    // Most lines start with a letter no wanted name starts with: one map lookup each.
    const first = raw[line] as number;
    const candidates = names.byFirst.get(first >= 0x41 && first <= 0x5a ? first + 0x20 : first);
    for (const index of candidates ?? []) {
      if (values[index] !== undefined) continue;
      const colon = colonAfterName(raw, line, lineEnd, names.bytes[index] as Buffer);
      if (colon < 0) continue;
      values[index] = fieldValueFrom(raw, colon + 1, lineEnd, end);
      missing--;
      break;
    }
    line = lineEnd;
  }
  return values;
}

/** Where the colon is when the line starts with `name` then optional whitespace and a colon, else -1. */
function colonAfterName(raw: Buffer, line: number, lineEnd: number, name: Buffer): number {
  let i = 0;
  while (i < name.length && line + i < lineEnd && sameLetter(raw[line + i] as number, name[i] as number)) i++;
  if (i !== name.length) return -1;
  let colon = line + i;
  while (colon < lineEnd && (raw[colon] === 0x20 || raw[colon] === 0x09)) colon++;
  return raw[colon] === 0x3a ? colon : -1;
}

/** Whether a header byte equals a lower-case name byte, ASCII letters in any case. */
function sameLetter(byte: number, lower: number): boolean {
  return byte === lower || (lower >= 0x61 && lower <= 0x7a && byte === lower - 0x20);
}

/** The value from `start` through its continuation lines (RFC 5322 §2.2.3), unfolded and trimmed. */
function fieldValueFrom(raw: Buffer, start: number, lineEnd: number, end: number): string {
  let stop = lineEnd;
  while (stop < end && (raw[stop] === 0x20 || raw[stop] === 0x09)) {
    const next = raw.indexOf(LF, stop);
    stop = next < 0 || next >= end ? end : next + 1;
  }
  return raw.toString('utf8', start, stop).replace(/\r?\n/g, '').trim();
}
