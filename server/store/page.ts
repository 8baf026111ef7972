import { SEEN } from './types.js';
import type { ListQuery, Page, StoredMessage } from './types.js';

/**
 * A page of `ordered` (oldest first), newest first, with match counts: what every
 * in-memory index answers `MailStore.list` with. Without a filter or a time bound it
 * costs the page, not the store (`unread` is the caller's running count).
 */
export function pageNewestFirst<T extends StoredMessage>(ordered: readonly T[], query: ListQuery, unread: number): Page<T> {
  const start = Math.max(0, query.start ?? 0);
  const limit = query.limit ?? 50;
  const end = limit > 0 ? start + limit : Infinity;
  const before = query.before?.getTime();
  const items: T[] = [];
  if (!query.filter && before === undefined) {
    for (let i = ordered.length - 1 - start; i >= 0 && items.length < end - start; i--) items.push(ordered[i] as T);
    return { items, matched: ordered.length, matchedUnread: unread };
  }
  let matched = 0;
  let matchedUnread = 0;
  for (let i = ordered.length - 1; i >= 0; i--) {
    const message = ordered[i] as T;
    if (before !== undefined && message.receivedAt.getTime() >= before) continue;
    if (query.filter && !query.filter(message)) continue;
    if (matched >= start && matched < end) items.push(message);
    matched++;
    if (!message.flags.has(SEEN)) matchedUnread++;
  }
  return { items, matched, matchedUnread };
}

/** The newest of `ordered` (oldest first) that matches the filter, if one is given. */
export function newestMatch<T extends StoredMessage>(ordered: readonly T[], filter?: (message: StoredMessage) => boolean): T | undefined {
  for (let i = ordered.length - 1; i >= 0; i--) {
    const message = ordered[i] as T;
    if (!filter || filter(message)) return message;
  }
  return undefined;
}
