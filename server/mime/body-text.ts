import type { BodySummary } from './types.js';
import { fold } from './fold.js';
import { firstFieldValue } from './field-value.js';
import { headerEnd } from './headers.js';
import { decodeTransfer, isKnownEncoding, transferEncoding } from './transfer-encoding.js';

/** How a single-part text message's body is stored, when it is one the indexer reads itself. */
export interface SimpleBodyForm {
  type: 'text/plain' | 'text/html';
  encoding: '7bit' | '8bit' | 'binary' | 'quoted-printable' | 'base64';
  /** Offset of the body in the raw message. */
  start: number;
}

/**
 * The common case of a single-part text/plain or text/html message in UTF-8 or ASCII,
 * read from its header alone. Anything else (multipart, other charsets, unknown
 * encodings) returns undefined and goes to mailparser.
 */
export function simpleBodyForm(raw: Buffer): SimpleBodyForm | undefined {
  // Two fields found on the bytes: splitting the whole header cost as much as the rest.
  const contentType = (firstFieldValue(raw, 'Content-Type') ?? 'text/plain').toLowerCase();
  const type = /^\s*([^;\s]+)/.exec(contentType)?.[1] ?? 'text/plain';
  if (type !== 'text/plain' && type !== 'text/html') return undefined;
  const charset = /charset\s*=\s*"?([^";\s]+)/.exec(contentType)?.[1] ?? 'us-ascii';
  if (!/^(utf-?8|us-ascii|ascii)$/.test(charset)) return undefined;
  const encoding = transferEncoding(firstFieldValue(raw, 'Content-Transfer-Encoding'));
  if (!isKnownEncoding(encoding)) return undefined;
  return { type, encoding: encoding as SimpleBodyForm['encoding'], start: headerEnd(raw) };
}

/**
 * Body text for search and snippets without a full MIME parse (see simpleBodyForm);
 * undefined when the message needs mailparser.
 */
export function simpleBodyText(raw: Buffer, form = simpleBodyForm(raw)): { text: string; html: boolean } | undefined {
  if (!form) return undefined;
  const text = (decodeTransfer(raw.subarray(form.start), form.encoding) as Buffer).toString('utf8');
  return form.type === 'text/html' ? { text: htmlToText(text), html: true } : { text, html: false };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** HTML reduced to its visible text: scripts and styles dropped, tags become spaces, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/tr|\/h\d|\/li)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        // A surrogate is no character: HTML reads its reference as U+FFFD (WHATWG HTML
        // §13.2.5.80), and a lone one would not survive the trip to UTF-8 (a database).
        if (code >= 0xd800 && code <= 0xdfff) return '\uFFFD';
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whitespace collapsed, cut to `max` characters (by code point, never splitting a pair). */
export function snippetOf(text: string, max = 250): string {
  // Only as much of the text as the snippet needs is collapsed, so a long body costs no
  // more than a short one: once a prefix collapses to more than 2 × max UTF-16 units
  // (at least max code points), its start is the start of the whole text's collapse.
  let collapsed: string;
  for (let take = max * 8; ; take *= 4) {
    collapsed = text.slice(0, take).replace(/\s+/g, ' ').trim();
    if (take >= text.length || collapsed.length > 2 * max) break;
  }
  if (collapsed.length <= max) return collapsed;
  // Without a surrogate among the first max units, max units are max code points.
  if (!SURROGATE.test(collapsed.slice(0, max))) return collapsed.slice(0, max);
  return Array.from(collapsed.slice(0, 2 * max)).slice(0, max).join('');
}

/**
 * How much of a body's decoded text body search reads: its first 1 MiB characters (a
 * long book). It bounds what a message keeps for search, in memory or in a database
 * row, whatever the message size limit is (none at --smtp-max-size 0); past it, the
 * rest of a body is not searched. Both stores cut at the same place (AsciiTextBody
 * reads its bytes only this far), so they find the same messages.
 */
export const SEARCH_TEXT_MAX = 1024 * 1024;

/**
 * The text body search matches: the first SEARCH_TEXT_MAX characters of the decoded
 * text (never splitting a surrogate pair), each run of white space one space, folded.
 * Collapsing white space before folding keeps it one flat string: replacing in fold()'s
 * (normalised) result left a string tree about 17 times the text's size.
 */
export function searchTextOf(text: string): string {
  let end = Math.min(text.length, SEARCH_TEXT_MAX);
  // A high surrogate last would be half a character.
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last < 0xdc00) end--;
  return fold((end < text.length ? text.slice(0, end) : text).replace(/\s+/g, ' '));
}

/** The body summary of decoded text: snippet, counts, and the folded search text. */
export function summaryOfText(text: string, attachments: number, inline: number): BodySummary {
  return { snippet: snippetOf(text), attachments, inline, searchText: searchTextOf(text) };
}
