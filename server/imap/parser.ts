/**
 * A cursor over one framed IMAP command (RFC 3501 §9 grammar). Each command's own
 * parse function reads its arguments through it; any mismatch throws ParseError,
 * which the dispatcher maps once to a tagged BAD.
 */

import { canonicalSystemFlag } from './system-flags.js';

export class ParseError extends Error {}

/** Deepest nesting of parenthesised lists (SEARCH keys, FETCH items) a command may use. */
export const MAX_DEPTH = 64;

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** RFC 3501 atom-specials: ( ) { SP CTL % * " \ ] — plus 0x7f and anything 8-bit. */
function isAtomChar(b: number): boolean {
  if (b <= 0x20 || b >= 0x7f) return false;
  return b !== 0x28 && b !== 0x29 && b !== 0x7b && b !== 0x25 && b !== 0x2a && b !== DQUOTE && b !== BACKSLASH && b !== 0x5d;
}

/** ASTRING-CHAR = ATOM-CHAR / "]". */
function isAstringChar(b: number): boolean {
  return isAtomChar(b) || b === 0x5d;
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials (RFC 3501 §9 list-mailbox). */
function isListChar(b: number): boolean {
  return isAstringChar(b) || b === 0x25 || b === 0x2a;
}

export class Reader {
  pos = 0;
  #depth = 0;

  constructor(readonly bytes: Buffer) {}

  peek(): number | undefined {
    return this.bytes[this.pos];
  }

  /** Whether the command ends here (CRLF, or a bare LF some clients send). */
  atEnd(): boolean {
    const b = this.bytes[this.pos];
    return b === undefined || b === LF || (b === CR && this.bytes[this.pos + 1] === LF);
  }

  end(): void {
    if (!this.atEnd()) throw new ParseError('unexpected characters at the end of the command');
  }

  fail(message: string): never {
    throw new ParseError(message);
  }

  sp(): void {
    if (this.bytes[this.pos] !== SP) this.fail('expected a space');
    this.pos++;
  }

  /** Consumes a space if the command goes on. */
  maybeSp(): boolean {
    if (this.bytes[this.pos] !== SP) return false;
    this.pos++;
    return true;
  }

  /** Consumes `char` when it is next. */
  take(char: string): boolean {
    if (this.bytes[this.pos] !== char.charCodeAt(0)) return false;
    this.pos++;
    return true;
  }

  expect(char: string): void {
    if (!this.take(char)) this.fail(`expected "${char}"`);
  }

  /** Case-insensitive match of a fixed word (not consumed when absent). */
  word(text: string): boolean {
    const end = this.pos + text.length;
    if (this.bytes.toString('latin1', this.pos, end).toUpperCase() !== text.toUpperCase()) return false;
    this.pos = end;
    return true;
  }

  #span(accept: (b: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.bytes.length && accept(this.bytes[this.pos] as number)) this.pos++;
    if (this.pos === start) this.fail('expected an atom');
    return this.bytes.toString('latin1', start, this.pos);
  }

  atom(): string {
    return this.#span(isAtomChar);
  }

  /** A FETCH attribute name (`BODY.PEEK`, `RFC822.SIZE`), which stops before `[` or `<`. */
  itemName(): string {
    return this.#span((b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2e || b === 0x2d);
  }

  /** A tag: ASTRING-CHARs except "+" (RFC 3501 §9). */
  tag(): string {
    return this.#span((b) => isAstringChar(b) && b !== 0x2b);
  }

  /** flag (RFC 3501 §9): a keyword, or a system flag in its canonical spelling. */
  flag(): string {
    if (!this.take('\\')) return this.atom();
    const name = '\\' + this.atom();
    return canonicalSystemFlag(name) ?? this.fail(`unknown system flag ${name}`);
  }

  number(): number {
    const text = this.#span((b) => b >= 0x30 && b <= 0x39);
    const value = Number(text);
    if (!Number.isSafeInteger(value)) this.fail('number too large');
    return value;
  }

  /** number (RFC 3501: 32-bit unsigned). */
  number32(): number {
    const value = this.number();
    if (value > 0xffffffff) this.fail('number out of range');
    return value;
  }

  /** mod-sequence-value (RFC 7162: 63-bit). */
  number64(): number {
    return this.number();
  }

  /** A quoted string, literal or (when allowed) atom, as bytes. */
  stringBytes(): Buffer {
    const b = this.peek();
    if (b === DQUOTE) return this.#quoted();
    if (b === 0x7b) return this.#literal();
    this.fail('expected a string');
  }

  string(): string {
    return this.stringBytes().toString('utf8');
  }

  astringBytes(): Buffer {
    const b = this.peek();
    if (b === DQUOTE || b === 0x7b) return this.stringBytes();
    // 8-bit bytes are taken as UTF-8 (RFC 9051 / RFC 6855 clients send them bare).
    const start = this.pos;
    this.#span((c) => isAstringChar(c) || c >= 0x80);
    return this.bytes.subarray(start, this.pos);
  }

  astring(): string {
    return this.astringBytes().toString('utf8');
  }

  /** list-mailbox: a string or list-chars including the wildcards `%` and `*`, as bytes. */
  listMailbox(): Buffer {
    const b = this.peek();
    if (b === DQUOTE || b === 0x7b) return this.stringBytes();
    // 8-bit bytes are taken here; mailbox-name.ts decides what they may be (UTF-8 only after ENABLE, RFC 6855).
    const start = this.pos;
    while (this.pos < this.bytes.length) {
      const c = this.bytes[this.pos] as number;
      if (!(isListChar(c) || c >= 0x80)) break;
      this.pos++;
    }
    if (this.pos === start) this.fail('expected a mailbox pattern');
    return this.bytes.subarray(start, this.pos);
  }

  #quoted(): Buffer {
    this.pos++;
    const out: number[] = [];
    for (;;) {
      const b = this.bytes[this.pos++];
      if (b === undefined || b === CR || b === LF || b === 0) this.fail('unterminated quoted string');
      if (b === DQUOTE) return Buffer.from(out);
      if (b === BACKSLASH) {
        const next = this.bytes[this.pos++];
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('bad escape in quoted string');
        out.push(next);
        continue;
      }
      out.push(b);
    }
  }

  #literal(): Buffer {
    this.pos++;
    const size = this.number();
    this.take('+');
    this.expect('}');
    if (this.bytes[this.pos] === CR) this.pos++;
    if (this.bytes[this.pos] !== LF) this.fail('expected CRLF after a literal announcement');
    this.pos++;
    const end = this.pos + size;
    if (end > this.bytes.length) this.fail('literal shorter than announced');
    const value = this.bytes.subarray(this.pos, end);
    this.pos = end;
    return value;
  }

  /** Whether a literal is next (APPEND's message). */
  atLiteral(): boolean {
    return this.peek() === 0x7b;
  }

  literalBytes(): Buffer {
    if (!this.atLiteral()) this.fail('expected a literal');
    return this.#literal();
  }

  /** literal8 (RFC 3516 §4.1, RFC 9051 §9): `~{n}` then n octets, NUL allowed. */
  literal8Bytes(): Buffer {
    this.expect('~');
    return this.literalBytes();
  }

  /** `(` item *(SP item) `)`, with a depth cap; `empty` allows `()`. */
  list<T>(item: () => T, empty = true): T[] {
    this.expect('(');
    this.enter();
    const items: T[] = [];
    if (!this.take(')')) {
      for (;;) {
        items.push(item());
        if (this.take(')')) break;
        this.sp();
      }
    } else if (!empty) this.fail('empty list');
    this.leave();
    return items;
  }

  enter(): void {
    if (++this.#depth > MAX_DEPTH) this.fail('lists nested too deeply');
  }

  leave(): void {
    this.#depth--;
  }
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/**
 * The day `date-day "-" date-month "-" date-year` names, at 00:00 UTC, or a failure:
 * RFC 3501 / RFC 9051 §9 give the syntax only, but a day the month does not have
 * (31-Feb, 0-Jan, 99-Jan) names no date, and rolling it over into the next month
 * would store or search a date the client never wrote.
 */
function calendarDay(r: Reader, day: string, monthName: string, year: string): Date {
  const month = MONTHS.indexOf(monthName.toUpperCase());
  if (month < 0) r.fail(`bad month ${monthName}`);
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which takes the years 0-99 as 1900-1999.
  date.setUTCFullYear(Number(year), month, Number(day));
  if (date.getUTCDate() !== Number(day)) r.fail(`no day ${day} in ${monthName} ${year}`);
  return date;
}

/** RFC 3501 date: `1-Feb-1994`, optionally quoted; the day it names, at 00:00 UTC. */
export function readDate(r: Reader): Date {
  const quotedDate = r.take('"');
  const text = r.atom();
  if (quotedDate) r.expect('"');
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!match) r.fail('bad date');
  const [, day = '', month = '', year = ''] = match;
  return calendarDay(r, day, month, year);
}

/**
 * RFC 3501 date-time: `"17-Jul-1996 02:44:25 -0700"`. The time is a time of day (hour
 * at most 23, minute at most 59) and the zone hhmm (RFC 3501 §9), so at most 23 hours
 * and 59 minutes. Second 60 is a leap second, which RFC 5322 §3.3 allows in the Date
 * field clients copy here; like POSIX time it is counted as the next second.
 */
export function readDateTime(r: Reader): Date {
  const text = r.string();
  const match = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) ((\d{2}):(\d{2}):(\d{2})) (([+-])(\d{2})(\d{2}))$/.exec(text);
  if (!match) r.fail('bad date-time');
  const [, day = '', month = '', year = '', time, hh, mm, ss, zone, sign, zh, zm] = match;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) r.fail(`bad time ${time}`);
  if (Number(zh) > 23 || Number(zm) > 59) r.fail(`bad zone ${zone}`);
  const minutes = Number(hh) * 60 + Number(mm) - (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  const date = new Date(calendarDay(r, day, month, year).getTime() + (minutes * 60 + Number(ss)) * 1000);
  // INTERNALDATE is sent back with a 4-digit year (formatDateTime): 01-Jan-0000 east of UTC is not.
  if (date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) r.fail('date-time out of range');
  return date;
}

/** RFC 3501 date-time as sent in INTERNALDATE. */
export function formatDateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const month = MONTHS[date.getUTCMonth()] as string;
  return `"${pad(date.getUTCDate())}-${month[0]}${month.slice(1).toLowerCase()}-${String(date.getUTCFullYear()).padStart(4, '0')} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000"`;
}
