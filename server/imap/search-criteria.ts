import { parseHeaderFields, headerEnd } from '../mime/headers.js';
import { simpleBodyForm, simpleBodyText, htmlToText, summaryOfText } from '../mime/body-text.js';
import { firstFieldValue } from '../mime/field-value.js';
import { parsesOffThread } from '../mime/off-thread.js';
import { parseRaw } from '../mime/parse.js';
import { summariseOffThread } from '../derived/parse-jobs.js';
import { decodeWords } from '../mime/summary.js';
import type { MailStore } from '../store/mail-store.js';
import { bodyMatches, bodyQuery, type BodyHits, type BodyQuery } from '../store/search/body-match.js';
import { fold } from '../mime/fold.js';
import { headerHaystack } from '../store/search/haystack.js';
import type { BodySummary, StoredMessage } from '../store/types.js';
import { readDate, type Reader } from './parser.js';
import { addressHaystack } from './search-address.js';
import { sentDay, sentDayKnown } from './sent-day.js';
import { bytesGiven } from './held-bytes.js';
import { AsciiTextBody } from '../mime/ascii-text-body.js';
import { readSequenceSet, type SequenceSet } from './sequence-set.js';

/** RFC 3501 §6.4.4 search keys, as a tree. */
export type SearchKey =
  | { kind: 'all' }
  | { kind: 'flag'; flag: string; set: boolean }
  | { kind: 'new' }
  | { kind: 'old' }
  | { kind: 'recent'; set: boolean }
  | { kind: 'header'; field: string; text: string }
  | { kind: 'address'; field: string; text: string }
  | { kind: 'subject'; text: string }
  | { kind: 'body'; query: BodyQuery }
  | { kind: 'text'; text: string; query: BodyQuery }
  | { kind: 'date'; on: 'internal' | 'sent'; op: 'before' | 'on' | 'since'; day: number }
  | { kind: 'size'; op: 'larger' | 'smaller'; bytes: number }
  | { kind: 'age'; op: 'younger' | 'older'; cutoff: number }
  | { kind: 'seq'; set: SequenceSet }
  | { kind: 'uid'; set: SequenceSet }
  | { kind: 'modseq'; value: number }
  | { kind: 'not'; key: SearchKey }
  | { kind: 'or'; a: SearchKey; b: SearchKey }
  | { kind: 'and'; keys: SearchKey[] };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const ADDRESS_KEYS = new Set(['BCC', 'CC', 'FROM', 'TO']);
const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

const DAY_MS = 86_400_000;

/** Reads one search key (recursive for NOT, OR and parenthesised lists; depth-capped by the Reader). */
export function readSearchKey(r: Reader): SearchKey {
  if (r.peek() === 0x28) return { kind: 'and', keys: r.list(() => readSearchKey(r), false) };
  const next = r.peek();
  // RFC 5182: `$` is a sequence set too.
  if (next === 0x2a || next === 0x24 || (next !== undefined && next >= 0x30 && next <= 0x39)) return { kind: 'seq', set: readSequenceSet(r) };
  const key = r.atom().toUpperCase();
  const flag = FLAG_KEYS[key];
  if (flag) return { kind: 'flag', flag: flag[0], set: flag[1] };
  const date = DATE_KEYS[key];
  if (date) {
    r.sp();
    return { kind: 'date', on: date[0], op: date[1], day: Math.floor(readDate(r).getTime() / DAY_MS) };
  }
  if (ADDRESS_KEYS.has(key)) {
    r.sp();
    return { kind: 'address', field: key, text: r.astring().toLowerCase() };
  }
  switch (key) {
    case 'ALL':
      return { kind: 'all' };
    case 'NEW':
      return { kind: 'new' };
    case 'OLD':
      return { kind: 'old' };
    case 'RECENT':
      return { kind: 'recent', set: true };
    case 'KEYWORD':
    case 'UNKEYWORD':
      r.sp();
      return { kind: 'flag', flag: r.flag(), set: key === 'KEYWORD' };
    case 'HEADER': {
      r.sp();
      const field = r.astring().toUpperCase();
      r.sp();
      return { kind: 'header', field, text: r.astring().toLowerCase() };
    }
    case 'SUBJECT':
      r.sp();
      // Matched in the subject the web inbox's search reads (decoded, folded).
      return { kind: 'subject', text: fold(r.astring()) };
    case 'BODY':
    case 'TEXT':
      r.sp();
      const value = r.astring();
      // The body is matched as the web inbox's search matches it (folded, white space as one).
      return key === 'BODY' ? { kind: 'body', query: bodyQuery(value) } : { kind: 'text', text: value.toLowerCase(), query: bodyQuery(value) };
    case 'LARGER':
    case 'SMALLER':
      r.sp();
      return { kind: 'size', op: key === 'LARGER' ? 'larger' : 'smaller', bytes: r.number() };
    case 'UID':
      r.sp();
      return { kind: 'uid', set: readSequenceSet(r) };
    case 'YOUNGER':
    case 'OLDER':
      // RFC 5032 §3: an interval in seconds back from now, compared with INTERNALDATE.
      r.sp();
      return { kind: 'age', op: key === 'YOUNGER' ? 'younger' : 'older', cutoff: Date.now() - r.number32() * 1000 };
    case 'NOT':
      r.sp();
      r.enter();
      try {
        return { kind: 'not', key: readSearchKey(r) };
      } finally {
        r.leave();
      }
    case 'OR': {
      r.sp();
      r.enter();
      const a = readSearchKey(r);
      r.sp();
      const b = readSearchKey(r);
      r.leave();
      return { kind: 'or', a, b };
    }
    case 'MODSEQ': {
      // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer
      r.sp();
      if (r.peek() === 0x22) {
        r.string();
        r.sp();
        r.atom();
        r.sp();
      }
      return { kind: 'modseq', value: r.number64() };
    }
    default:
      return r.fail(`unknown search key ${key.slice(0, 30)}`);
  }
}

/** Whether any key of the tree passes `test` (the keys under NOT, OR and AND looked into). */
function anyKey<C>(key: SearchKey, test: (key: SearchKey, context: C) => boolean, context: C): boolean {
  switch (key.kind) {
    case 'not':
      return anyKey(key.key, test, context);
    case 'or':
      return anyKey(key.a, test, context) || anyKey(key.b, test, context);
    case 'and':
      return key.keys.some((k) => anyKey(k, test, context));
    default:
      return test(key, context);
  }
}

/** Whether the tree names bodies (so the search needs decoded text). */
export function needsBody(key: SearchKey): boolean {
  return anyKey(key, (k) => k.kind === 'body' || k.kind === 'text', null);
}

/** The folded texts of the tree's BODY and TEXT keys: what a store that searches bodies itself is asked. */
export function bodyTexts(key: SearchKey): string[] {
  const texts: string[] = [];
  anyKey(
    key,
    (k) => {
      if (k.kind === 'body' || k.kind === 'text') texts.push(k.query.text);
      return false;
    },
    null,
  );
  return texts;
}

export function usesModseq(key: SearchKey): boolean {
  return anyKey(key, (k) => k.kind === 'modseq', null);
}

/** Whether any key of the tree may read a message's bytes (header fields, bodies, the Date's own day). */
export function mayReadBytes(key: SearchKey): boolean {
  return anyKey(key, (k) => k.kind === 'header' || k.kind === 'address' || k.kind === 'body' || k.kind === 'text' || (k.kind === 'date' && k.on === 'sent'), null);
}

/**
 * Whether matching the tree against this message reads its bytes: a body the indexer
 * summarised as text is matched in that text, a Date's day once worked out is kept.
 */
export function readsBytes(key: SearchKey, message: StoredMessage): boolean {
  return anyKey(key, keyReadsBytes, message);
}

function keyReadsBytes(key: SearchKey, message: StoredMessage): boolean {
  switch (key.kind) {
    case 'header':
    case 'address':
    case 'text':
      return true;
    case 'body':
      return message.body === undefined || message.body instanceof AsciiTextBody;
    case 'date':
      return key.on === 'sent' && !sentDayKnown(message);
    default:
      return false;
  }
}

/** One candidate message as the evaluator sees it. */
export interface Candidate {
  seq: number;
  uid: number;
  message: StoredMessage;
  recent: boolean;
  /** Sets resolved to membership tests by the caller. */
  inSeq: (set: SequenceSet) => boolean;
  inUid: (set: SequenceSet) => boolean;
  /** The body summary, when the key needs it. */
  body: BodySummary | undefined;
  /** The store's answers for the key's body texts, when it keeps body text outside its index (storeBodyHits). */
  bodyHits: BodyHits | undefined;
  /** The message's bytes, when the key reads them (see readsBytes). */
  raw: Buffer | undefined;
}

/** Header text, decoded (RFC 2047) and lower-cased, of every field with this name. */
function headerText(raw: Buffer, field: string): string {
  const fields = parseHeaderFields(raw.subarray(0, headerEnd(raw)));
  const lower = field.toLowerCase();
  return fields
    .filter((f) => f.name.toLowerCase() === lower)
    .map((f) => decodeWords(f.value))
    .join('\n')
    .toLowerCase();
}

function dayOf(date: Date | null): number | null {
  return date ? Math.floor(date.getTime() / DAY_MS) : null;
}

/** RFC 3501 §6.4.4: text matches are case-insensitive substrings of the decoded text. */
export function matches(key: SearchKey, c: Candidate): boolean {
  switch (key.kind) {
    case 'all':
      return true;
    case 'flag':
      return c.message.flags.has(key.flag) === key.set;
    case 'new':
      return c.recent && !c.message.flags.has('\\Seen');
    case 'old':
      return !c.recent;
    case 'recent':
      return c.recent === key.set;
    case 'header': {
      const raw = bytesGiven(c.raw);
      return key.text === '' ? firstFieldValue(raw, key.field) !== undefined : headerText(raw, key.field).includes(key.text);
    }
    case 'address': {
      const raw = bytesGiven(c.raw);
      return key.text === '' ? firstFieldValue(raw, key.field) !== undefined : addressHaystack(raw, key.field).includes(key.text);
    }
    case 'subject':
      return headerHaystack(c.message).subject.includes(key.text);
    case 'body':
      return c.body !== undefined && bodyMatches(c.message.id, c.body, key.query, c.bodyHits, c.raw);
    case 'text': {
      const raw = bytesGiven(c.raw);
      return (c.body !== undefined && bodyMatches(c.message.id, c.body, key.query, c.bodyHits, raw)) || decodeWords(raw.subarray(0, headerEnd(raw)).toString('utf8')).toLowerCase().includes(key.text);
    }
    case 'date': {
      const day = key.on === 'internal' ? dayOf(c.message.receivedAt) : sentDay(c.message, c.raw);
      if (day === null) return false;
      return key.op === 'before' ? day < key.day : key.op === 'on' ? day === key.day : day >= key.day;
    }
    case 'size':
      return key.op === 'larger' ? c.message.size > key.bytes : c.message.size < key.bytes;
    case 'age':
      return key.op === 'younger' ? c.message.receivedAt.getTime() >= key.cutoff : c.message.receivedAt.getTime() <= key.cutoff;
    case 'seq':
      return c.inSeq(key.set);
    case 'uid':
      return c.inUid(key.set);
    case 'modseq':
      return c.message.modseq >= key.value;
    case 'not':
      return !matches(key.key, c);
    case 'or':
      return matches(key.a, c) || matches(key.b, c);
    case 'and':
      return key.keys.every((k) => matches(k, c));
  }
}

/**
 * The body summary to search: the indexer's when it has run, else made now from `raw` (single-part
 * text cheaply, anything else through the MIME parser). A heavy message not indexed
 * yet is read on a worker thread, into the same summary the indexer would make (blank
 * if that parse is given up, as the indexer's would be), which is stored in `store`
 * when given, so the message is not parsed again.
 */
export async function bodySummary(message: StoredMessage, bytes: Buffer | undefined, store?: MailStore): Promise<BodySummary> {
  if (message.body) return message.body;
  const raw = bytesGiven(bytes);
  if (parsesOffThread(raw)) {
    const summary = (await summariseOffThread(raw, simpleBodyForm(raw) ? 'simple' : 'full')) ?? summaryOfText('', 0, 0);
    if (store?.get(message.id) === message && !message.body) await store.setBody(message.id, summary);
    return summary;
  }
  const simple = simpleBodyText(raw);
  if (simple) return summaryOfText(simple.text, 0, 0);
  const parsed = await parseRaw(raw);
  return summaryOfText(parsed.text || htmlToText(parsed.html), 0, 0);
}
