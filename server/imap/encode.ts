/**
 * IMAP string encoding (RFC 3501 §4.3, §9 grammar; RFC 9051 §4.3 for UTF-8).
 *
 * Output representation: every encoder returns an `ImapOutput`, which is either a
 * `string` or a `Buffer`.
 *  - A `string` is pure protocol text and is written to the socket as UTF-8.
 *  - A `Buffer` carries exact bytes (a literal whose content came from stored
 *    message bytes, which may be 8-bit and not valid UTF-8) and is written as is.
 * Encoders return a plain `string` whenever they can (the common, fast case) and a
 * `Buffer` only when a literal must carry bytes that are not text. A whole response
 * can be built as an `ImapOutput[]` chunk list and flattened with `joinOutput`.
 *
 * Values may be given as `string` (text, encoded as UTF-8 on the wire) or `Buffer`
 * (exact bytes, e.g. a raw header value). For large bodies, write `literalPrefix(n)`
 * followed by the stored bytes' subarray, so nothing is copied.
 */

import { isUtf8 } from 'node:buffer';

export type ImapOutput = string | Buffer;

/** What an encoder accepts: text, or exact bytes. */
export type ImapValue = string | Buffer;

export interface StringOptions {
  /**
   * The client enabled IMAP4rev2 or UTF8=ACCEPT (RFC 9051 §4.3, RFC 6855 §3):
   * quoted strings may then carry UTF-8, so valid UTF-8 text needs no literal.
   */
  utf8?: boolean;
  /** Values longer than this many bytes are sent as literals (default 1024). */
  maxQuoted?: number;
  /** Use a non-synchronising literal `{n+}` (RFC 7888); servers never need it. */
  nonSync?: boolean;
}

const DEFAULT_MAX_QUOTED = 1024;

/**
 * Whether `bytes` fits in a quoted string: RFC 3501 QUOTED-CHAR is any 7-bit CHAR
 * except CR, LF (and NUL, which is not a CHAR); RFC 9051 adds UTF8-2/3/4 sequences.
 */
function quotableBytes(bytes: Buffer, utf8: boolean): boolean {
  let high = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x00 || b === 0x0a || b === 0x0d) return false;
    if (b >= 0x80) high = true;
  }
  if (!high) return true;
  return utf8 && isUtf8(bytes);
}

function quotableText(text: string, utf8: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x00 || c === 0x0a || c === 0x0d) return false;
    if (c >= 0x80) {
      if (!utf8) return false;
      // A lone surrogate would become U+FFFD on the wire: the value would not round-trip.
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
        i++;
      }
    }
  }
  return true;
}

function byteLength(value: ImapValue): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

/** Whether `value` can be sent as a quoted string (ignoring the length preference). */
export function canQuote(value: ImapValue, options: StringOptions = {}): boolean {
  const utf8 = options.utf8 === true;
  return typeof value === 'string' ? quotableText(value, utf8) : quotableBytes(value, utf8);
}

/**
 * A quoted string (RFC 3501 §4.3): `"` and `\` are escaped with `\`.
 * Throws a RangeError when the value cannot be quoted — use `string`/`nstring`
 * to choose between quoted and literal; reaching the throw is a bug.
 */
export function quoted(value: ImapValue, options: StringOptions = {}): string {
  if (!canQuote(value, options)) throw new RangeError('value cannot be sent as an IMAP quoted string');
  const text = typeof value === 'string' ? value : value.toString('utf8');
  if (text.indexOf('"') === -1 && text.indexOf('\\') === -1) return `"${text}"`;
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** The `{n}\r\n` (or `{n+}\r\n`) that introduces a literal of `length` bytes (RFC 3501 §4.3). */
export function literalPrefix(length: number, options: Pick<StringOptions, 'nonSync'> = {}): string {
  return `{${length}${options.nonSync ? '+' : ''}}\r\n`;
}

/**
 * A literal (RFC 3501 §4.3). Text becomes one string (its UTF-8 byte count
 * announced); bytes become one Buffer. A literal cannot carry NUL (CHAR8 is
 * %x01-ff): stored bytes that may hold one go through `withoutNul` first.
 */
export function literal(value: ImapValue, options: Pick<StringOptions, 'nonSync'> = {}): ImapOutput {
  if (typeof value === 'string') return literalPrefix(Buffer.byteLength(value, 'utf8'), options) + value;
  return Buffer.concat([Buffer.from(literalPrefix(value.length, options), 'latin1'), value]);
}

/**
 * Bytes fit for a plain literal: each NUL (which only a literal8 may carry, RFC 3516
 * §4.2) becomes 0x80, so the length and every other byte stay as stored. A copy is
 * made only when there is a NUL.
 */
export function withoutNul(bytes: Buffer): Buffer {
  let at = bytes.indexOf(0);
  if (at === -1) return bytes;
  const copy = Buffer.from(bytes);
  for (; at !== -1; at = copy.indexOf(0, at + 1)) copy[at] = 0x80;
  return copy;
}

/** An IMAP `string`: quoted when safe and short, else a literal. */
export function string(value: ImapValue, options: StringOptions = {}): ImapOutput {
  const maxQuoted = options.maxQuoted ?? DEFAULT_MAX_QUOTED;
  if (byteLength(value) <= maxQuoted && canQuote(value, options)) return quoted(value, options);
  return literal(value, options);
}

/** An IMAP `nstring` (RFC 3501 §9): NIL for null/undefined, else `string`. */
export function nstring(value: ImapValue | null | undefined, options: StringOptions = {}): ImapOutput {
  if (value === null || value === undefined) return 'NIL';
  return string(value, options);
}

/**
 * RFC 3501 §9 ATOM-CHAR: any CHAR except atom-specials — "(" ")" "{" SP, CTLs,
 * list-wildcards "%" "*", quoted-specials `"` `\`, and resp-specials "]".
 * ASTRING-CHAR additionally allows "]".
 */
const ASTRING_CHARS = /^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5d-\x7a\x7c-\x7e]+$/;

/**
 * An IMAP `astring`: an atom when every character is an ASTRING-CHAR, else a
 * string. `NIL` is quoted so a client reading it where an nstring could stand
 * never mistakes it for NIL.
 */
export function astring(value: string, options: StringOptions = {}): ImapOutput {
  if (ASTRING_CHARS.test(value) && value.toUpperCase() !== 'NIL') return value;
  return string(value, options);
}

/** A parenthesised list (RFC 3501 §4.4): items separated by one space. */
export function list(items: readonly ImapOutput[]): ImapOutput {
  if (items.every((item) => typeof item === 'string')) return `(${items.join(' ')})`;
  return joinOutput(['(', ...interleave(items, ' '), ')']);
}

function interleave(items: readonly ImapOutput[], separator: string): ImapOutput[] {
  const out: ImapOutput[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(separator);
    out.push(items[i]!);
  }
  return out;
}

/**
 * Flattens chunks: a single string when every chunk is a string, else one Buffer
 * (strings encoded as UTF-8, Buffers copied byte for byte).
 */
export function joinOutput(chunks: readonly ImapOutput[]): ImapOutput {
  let allText = true;
  for (const chunk of chunks) {
    if (typeof chunk !== 'string') {
      allText = false;
      break;
    }
  }
  if (allText) return (chunks as readonly string[]).join('');
  return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)));
}

/** Any output as bytes, ready for `socket.write`. */
export function outputBytes(output: ImapOutput): Buffer {
  return typeof output === 'string' ? Buffer.from(output, 'utf8') : output;
}
