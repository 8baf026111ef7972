import { listPage } from './api.js';
import type { LiveEvent } from './live-events.js';
import type { Summary } from './types.js';

export const PAGE_SIZE = 100;

/**
 * The message list as the inbox sees it: a sparse array over the whole result (all mail,
 * or the current search), filled a page at a time as rows scroll into view, so 100,000
 * messages cost one page of JSON and a few dozen DOM rows. Live events patch it in place.
 */
export class ListModel {
  query = '';
  /** Rows in the current result, newest first; null where a page is not loaded yet. */
  items: Array<Summary | null> = [];
  /** Unread among the current result. */
  unread = 0;
  /** The whole mailbox, whatever the search. */
  mailboxTotal = 0;
  mailboxUnread = 0;
  loaded = false;
  error: string | null = null;
  version = 0;

  private generation = 0;
  private inFlight = new Set<number>();
  private listeners = new Set<() => void>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  get total(): number {
    return this.items.length;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  /** Starts over for a query (or reloads the current one): fetches the first page. */
  reset(query = this.query): Promise<void> {
    this.query = query;
    this.generation++;
    this.inFlight.clear();
    this.error = null;
    return this.fetchPage(0, true);
  }

  /** Makes sure the rows from..to (inclusive) are loaded or being loaded. */
  ensure(from: number, to: number): void {
    const last = Math.min(to, this.items.length - 1);
    for (let page = Math.floor(Math.max(0, from) / PAGE_SIZE); page * PAGE_SIZE <= last; page++) {
      if (this.inFlight.has(page)) continue;
      const end = Math.min(this.items.length, (page + 1) * PAGE_SIZE);
      for (let i = page * PAGE_SIZE; i < end; i++) {
        if (this.items[i] === null) {
          void this.fetchPage(page, false);
          break;
        }
      }
    }
  }

  private async fetchPage(page: number, replace: boolean): Promise<void> {
    const generation = this.generation;
    this.inFlight.add(page);
    try {
      const result = await listPage(this.query, page * PAGE_SIZE, PAGE_SIZE);
      if (generation !== this.generation) return;
      if (replace || result.messages_count !== this.items.length) {
        // A fresh start, or the result changed size under us: keep only this page.
        this.items = new Array<Summary | null>(result.messages_count).fill(null);
      }
      result.messages.forEach((m, i) => {
        if (result.start + i < this.items.length) this.items[result.start + i] = m;
      });
      this.unread = result.messages_unread;
      this.mailboxTotal = result.total;
      this.mailboxUnread = result.unread;
      this.loaded = true;
      this.error = null;
    } catch (err) {
      if (generation !== this.generation) return;
      this.error = err instanceof Error ? err.message : String(err);
      // The rows held are another query's (or an older result's): the error is shown instead.
      if (replace) {
        this.items = [];
        this.loaded = false;
      }
    } finally {
      if (generation === this.generation) this.inFlight.delete(page);
    }
    this.changed();
  }

  indexOf(id: string): number {
    return this.items.findIndex((m) => m !== null && m.ID === id);
  }

  /** Applies one live event without a reload. */
  apply(event: LiveEvent): void {
    switch (event.type) {
      case 'new':
        if (this.query) {
          // Only the server knows whether the new message matches: refresh, coalesced.
          this.scheduleRefresh();
          return;
        }
        if (this.indexOf(event.summary.ID) >= 0) return;
        this.items.unshift(event.summary);
        if (!event.summary.Read) this.unread++;
        break;
      case 'update': {
        const index = this.indexOf(event.id);
        const row = index >= 0 ? this.items[index] : null;
        if (!row) {
          // Not a loaded row, but its tags count in the tag panel all the same.
          if (event.tags) this.changed();
          return;
        }
        const next = { ...row };
        if (event.read !== undefined && event.read !== row.Read) {
          next.Read = event.read;
          this.unread += event.read ? -1 : 1;
        }
        if (event.tags) next.Tags = event.tags;
        this.items[index] = next;
        break;
      }
      case 'delete': {
        const index = this.indexOf(event.id);
        if (index < 0) {
          if (this.items.includes(null)) this.scheduleRefresh();
          return;
        }
        const [row] = this.items.splice(index, 1);
        if (row && !row.Read) this.unread--;
        break;
      }
      case 'stats':
        this.mailboxTotal = event.total;
        this.mailboxUnread = event.unread;
        if (!this.query) this.unread = event.unread;
        break;
      case 'reload':
        void this.reset();
        return;
    }
    this.changed();
  }

  /** Marks rows locally right away; the API's update events confirm it. */
  markLocal(ids: ReadonlySet<string> | 'all', read: boolean): void {
    let changed = 0;
    const mark = (index: number) => {
      const m = this.items[index];
      if (!m || m.Read === read) return;
      this.items[index] = { ...m, Read: read };
      changed++;
    };
    if (ids === 'all') {
      for (let i = 0; i < this.items.length; i++) mark(i);
      this.unread = read ? 0 : this.items.length;
    } else {
      for (const id of ids) mark(this.indexOf(id));
      this.unread = Math.max(0, this.unread + (read ? -changed : changed));
    }
    if (changed > 0 || ids === 'all') this.changed();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.reset(), 150);
  }
}
