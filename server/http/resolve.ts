import type { Context } from 'hono';
import { isTimeZone, searchIn, type CompiledSearch, type MessagePredicate, type SearchOptions } from '../store/search/compile.js';
import type { ParsedMessage } from '../mime/parse.js';
import type { StoredMessage } from '../store/types.js';
import type { Api } from './api.js';

export type Resolved = { ok: true; message: StoredMessage } | { ok: false; status: 400 | 404; message: string };

/** Mailpit's answer for a message that is not there. */
const MISSING = { ok: false, status: 404, message: '404 page not found' } as const;

/** The message an `{ID}` path names; `latest` is the newest, or the newest matching `?query=`. */
export async function resolveMessage(c: Context, api: Api, id: string = c.req.param('ID') ?? ''): Promise<Resolved> {
  if (id === 'latest') {
    const query = c.req.query('query');
    let filter: MessagePredicate | undefined;
    if (query !== undefined && query.trim() !== '') {
      const search = await searchFrom(c, api, query);
      if (!search.ok) return { ok: false, status: 400, message: search.error };
      filter = search.filter;
    }
    const message = api.store.latest(filter);
    return message ? { ok: true, message } : MISSING;
  }
  const message = api.store.get(id);
  return message ? { ok: true, message } : MISSING;
}


export type ResolvedView = { ok: true; message: StoredMessage; parsed: ParsedMessage } | { ok: false; status: 400 | 404; message: string };

/**
 * The message an `{ID}` path names and its parsed view. A message gone before its
 * bytes could be read is answered as any missing one.
 */
export async function resolveParsed(c: Context, api: Api, id?: string): Promise<ResolvedView> {
  const resolved = await resolveMessage(c, api, id);
  if (!resolved.ok) return resolved;
  const parsed = await api.parsed.get(api.store, resolved.message);
  return parsed ? { ok: true, message: resolved.message, parsed } : MISSING;
}

/**
 * Compiles a search of the API's store with the request's `tz` (Mailpit's time zone
 * for before:/after:); body terms are resolved by the store first when it keeps body
 * text itself (searchIn).
 */
export async function searchFrom(c: Context, api: Api, query: string): Promise<CompiledSearch> {
  const tz = c.req.query('tz');
  if (tz && !isTimeZone(tz)) return { ok: false, error: `unknown time zone "${tz}"` };
  return searchIn(api.store, query, searchOptions(c));
}

/** The request's search options: its `tz`, once searchFrom has found it a time zone. */
export function searchOptions(c: Context): SearchOptions {
  const tz = c.req.query('tz');
  return tz ? { timeZone: tz } : {};
}

export type Paging = { ok: true; start: number; limit: number } | { ok: false; message: string };

/** `start` and `limit` as whole numbers (limit 0 = everything, Mailpit's code). */
export function paging(c: Context): Paging {
  const start = wholeNumber(c.req.query('start'), 0);
  const limit = wholeNumber(c.req.query('limit'), 50);
  if (start === undefined) return { ok: false, message: 'start must be a whole number of 0 or more' };
  if (limit === undefined) return { ok: false, message: 'limit must be a whole number of 0 or more' };
  return { ok: true, start, limit };
}

function wholeNumber(text: string | undefined, fallback: number): number | undefined {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Mailpit's `before` query parameter: only messages received earlier. An RFC 3339
 * date-time (as the web inbox pages with), or a date (midnight UTC); anything else,
 * "1" or a 30 February among them, is refused rather than read as some other time.
 */
export function beforeParam(c: Context): { ok: true; before: Date | undefined } | { ok: false; message: string } {
  const text = c.req.query('before');
  if (!text) return { ok: true, before: undefined };
  const refused = { ok: false, message: `before must be an RFC 3339 date-time, such as 2024-05-01T12:00:00Z: cannot read "${text}"` } as const;
  const parts = RFC3339.exec(text);
  if (!parts) return refused;
  const [year, month, day, hour, minute, second] = parts.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  // Date.parse rolls an impossible day or time over into the next; these must not.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCDate() !== day || calendar.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) return refused;
  const time = Date.parse(text);
  return Number.isNaN(time) ? refused : { ok: true, before: new Date(time) };
}
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))?$/i;
