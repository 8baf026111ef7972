import type { MailStore } from '../mail-store.js';
import { SEEN, type StoredMessage } from '../types.js';
import { bodyMatches, bodyQuery, matchedInMemory, storeBodyHits, type BodyHits } from './body-match.js';
import { fold } from '../../mime/fold.js';
import { headerHaystack, type HeaderHaystack } from './haystack.js';
import { tokenize, type SearchTerm } from './tokenize.js';

export type MessagePredicate = (message: StoredMessage) => boolean;
/** A test of a message offered after the search was compiled: the answer, or a promise of it (see liveTest). */
export type MessageTest = (message: StoredMessage) => boolean | Promise<boolean>;
/** A term's test, given the message's header haystack (so a scan that holds them skips the lookup). */
export type HaystackTest = (message: StoredMessage, hay: HeaderHaystack) => boolean;
export type CompiledSearch =
  | {
      ok: true;
      filter: MessagePredicate;
      test: HaystackTest;
      /** The folded texts of its body terms (what a store that searches bodies itself is asked). */
      bodyTexts: string[];
    }
  | { ok: false; error: string };

export interface SearchOptions {
  /** IANA time zone for date-only `before:`/`after:` values (Mailpit's `tz`); default the server's. */
  timeZone?: string;
  /** The store's answers for body terms, when it keeps body text outside its index (see searchIn). */
  bodyHits?: BodyHits;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/**
 * Compiles Mailpit's search syntax into a predicate for `store.list({ filter })`.
 * Every term must hold (AND); matching is case-insensitive on decoded text: header
 * fields from the delivery summary, the body from the indexer's search text (or, given
 * `bodyHits`, the store's answer for a body whose text it keeps: see searchIn).
 */
export function compileSearch(query: string, options: SearchOptions = {}): CompiledSearch {
  const tokens = tokenize(query);
  if (!tokens.ok) return tokens;
  if (tokens.terms.length === 0) return { ok: false, error: 'no search query' };
  const tests: HaystackTest[] = [];
  const bodyTexts: string[] = [];
  for (const term of tokens.terms) {
    if (term.prefix === '') bodyTexts.push(bodyQuery(term.value).text);
    const test = compileTerm(term, options);
    if (typeof test === 'string') return { ok: false, error: test };
    tests.push(term.negated ? (m, h) => !test(m, h) : test);
  }
  const test: HaystackTest =
    tests.length === 1
      ? (tests[0] as HaystackTest)
      : (m, h) => {
          for (const t of tests) if (!t(m, h)) return false;
          return true;
        };
  return { ok: true, test, filter: (m) => test(m, headerHaystack(m)), bodyTexts };
}

/**
 * compileSearch for one store: when the store keeps body text outside its index
 * (MailStore.bodiesContaining), its body terms are first resolved there, so the
 * synchronous scan that follows only tests membership. What matched is what the store
 * held when asked: for a search run later again (a wait, a live result), search again.
 */
export async function searchIn(store: MailStore, query: string, options: SearchOptions = {}): Promise<CompiledSearch> {
  const compiled = compileSearch(query, options);
  if (!compiled.ok || compiled.bodyTexts.length === 0) return compiled;
  const bodyHits = await storeBodyHits(store, compiled.bodyTexts);
  return bodyHits ? compileSearch(query, { ...options, bodyHits }) : compiled;
}

/**
 * A test of messages offered one at a time as they arrive or change (a wait,
 * --release-auto), for a search compiled earlier. Where the store keeps body text
 * itself, what it answered then says nothing of a body indexed since: for such a body
 * the store is asked again, of that message only. A message without a body, or whose
 * summary keeps its text (matched in memory), is answered at once by the compiled
 * filter, as on any store.
 */
export function liveTest(store: MailStore, query: string, compiled: Extract<CompiledSearch, { ok: true }>, options: SearchOptions = {}): MessageTest {
  if (compiled.bodyTexts.length === 0 || !store.bodiesContaining) return compiled.filter;
  // Compiled once; each test hands it the store's answer for its message, set and read in one turn.
  const live: SearchOptions = { ...options };
  const search = compileSearch(query, live);
  if (!search.ok) return compiled.filter;
  return (message) => {
    if (message.body === undefined || matchedInMemory(message.body)) return compiled.filter(message);
    return storeBodyHits(store, compiled.bodyTexts, [message.id]).then((hits) => {
      live.bodyHits = hits;
      try {
        return search.filter(message);
      } finally {
        live.bodyHits = undefined;
      }
    });
  };
}

function field(pick: (h: HeaderHaystack) => string, needle: string): HaystackTest {
  return (_m, h) => pick(h).includes(needle);
}

function compileTerm(term: SearchTerm, options: SearchOptions): HaystackTest | string {
  // The indexer collapses white space in body text; a phrase is matched the same way.
  const needle = fold(term.value).replace(/\s+/g, ' ');
  switch (term.prefix) {
    case '': {
      const query = bodyQuery(term.value);
      // Read when tested, not when compiled: liveTest gives each message its own answer.
      return (m, h) => h.holds(needle) || (m.body !== undefined && bodyMatches(m.id, m.body, query, options.bodyHits));
    }
    case 'from':
      return field((h) => h.from, needle);
    case 'to':
      return field((h) => h.to, needle);
    case 'cc':
      return field((h) => h.cc, needle);
    case 'bcc':
      return field((h) => h.bcc, needle);
    case 'reply-to':
      return field((h) => h.replyTo, needle);
    case 'addressed':
      return (_m, h) => {
        return h.to.includes(needle) || h.cc.includes(needle) || h.bcc.includes(needle) || h.from.includes(needle) || h.replyTo.includes(needle);
      };
    case 'subject':
      return field((h) => h.subject, needle);
    case 'message-id': {
      const id = needle.replace(/^<(.*)>$/, '$1');
      return field((h) => h.messageId, id);
    }
    case 'tag':
      return (m) => m.tags.some((t) => fold(t) === needle);
    case 'is':
      if (needle === 'read') return (m) => m.flags.has(SEEN);
      if (needle === 'unread') return (m) => !m.flags.has(SEEN);
      if (needle === 'tagged') return (m) => m.tags.length > 0;
      return `unknown "is:${term.value}" (read, unread, tagged)`;
    case 'has':
      if (needle === 'attachment' || needle === 'attachments') return (m) => (m.body?.attachments ?? 0) > 0;
      if (needle === 'inline' || needle === 'inlines') return (m) => (m.body?.inline ?? 0) > 0;
      return `unknown "has:${term.value}" (attachment, inline)`;
    case 'larger':
    case 'smaller': {
      const bytes = parseSize(needle);
      if (bytes === undefined) return `"${term.prefix}:" needs a size such as 2M or 500KB, got "${term.value}"`;
      return term.prefix === 'larger' ? (m) => m.size > bytes : (m) => m.size < bytes;
    }
    case 'before':
    case 'after': {
      const at = parseSearchDate(term.value, options.timeZone);
      if (at === undefined) return `"${term.prefix}:" needs a date such as 2024-01-31 or "2024-01-31 14:00", got "${term.value}"`;
      return term.prefix === 'before' ? (m) => m.receivedAt.getTime() < at : (m) => m.receivedAt.getTime() >= at;
    }
    default:
      return `unknown search prefix "${term.prefix}:"`;
  }
}

function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text.trim());
  const unit = SIZE_UNITS[match?.[2] ?? 'x'];
  if (!match || unit === undefined) return undefined;
  return Math.round(Number(match[1]) * unit);
}

/**
 * A date or date-time as Mailpit accepts them: ISO (`2024-01-31`, `2024-01-31T14:00`,
 * `2024-01-31 14:00`), US order for slashes (`01/31/2024`), or anything Date.parse reads.
 * A value without a zone is read in `timeZone` (else the server's zone).
 */
export function parseSearchDate(text: string, timeZone?: string): number | undefined {
  const t = text.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  const parts = iso
    ? [iso[1], iso[2], iso[3], iso[4], iso[5], iso[6]]
    : us
      ? [us[3], us[1], us[2], us[4], us[5], us[6]]
      : undefined;
  if (parts) {
    const [y, mo, d, h, mi, s] = parts.map((p) => Number(p ?? 0)) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
    const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
    return asUtc - zoneOffsetMs(asUtc, timeZone);
  }
  const parsed = Date.parse(t);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** The offset of a time zone from UTC at about that instant, in ms (the server's zone without one). */
function zoneOffsetMs(utcMs: number, timeZone: string | undefined): number {
  if (!timeZone) return -new Date(utcMs).getTimezoneOffset() * 60_000;
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    }).formatToParts(new Date(utcMs));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utcMs;
  } catch {
    return -new Date(utcMs).getTimezoneOffset() * 60_000;
  }
}

/** True when `tz` names a time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
