import { headerEnd } from './headers.js';

const LF = 0x0a;
/**
 * Header lines looked through at most. A flood of 100,000 fields is not read to its end
 * on each request; as in the delivery summary, the fields that matter come first.
 */
const MAX_LINES = 10_000;

/**
 * The first value of a header field, as readHeaderFields would give it (unfolded,
 * trimmed, read as UTF-8), found without splitting the header: only the lines starting
 * with `name` (ASCII, any case) then optional whitespace and a colon are looked at,
 * among the first MAX_LINES.
 */
export function firstFieldValue(raw: Buffer, name: string): string | undefined {
  const end = headerEnd(raw);
  const wanted = Buffer.from(name.toLowerCase(), 'latin1');
  for (let line = 0, lines = 0; line < end && lines < MAX_LINES; lines++) {
    const next = raw.indexOf(LF, line);
    const lineEnd = next < 0 || next >= end ? end : next + 1;
    let i = 0;
    while (i < wanted.length && line + i < lineEnd && sameLetter(raw[line + i] as number, wanted[i] as number)) i++;
    if (i === wanted.length) {
      let colon = line + i;
      while (colon < lineEnd && (raw[colon] === 0x20 || raw[colon] === 0x09)) colon++;
      if (raw[colon] === 0x3a) return fieldValueFrom(raw, colon + 1, lineEnd, end);
    }
    line = lineEnd;
  }
  return undefined;
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
