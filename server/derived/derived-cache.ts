/**
 * What is made from a message's bytes and costly to make again (a parsed view: decoded
 * text, HTML, attachments), kept for the messages read most recently. Keyed by message
 * id: a message's bytes never change, and ids are random and unique across every store
 * of the process (a store rebuilt from a journal or a database gives the same id to the
 * same bytes), so one cache serves every sandbox and inbox, whether or not the store
 * keeps the bytes in memory.
 *
 * Bounded by bytes and by entries, least recently used out first. Nothing kept holds
 * the message's bytes; a deleted message's entries leave with the next evictions (or
 * at once through `forget`).
 */

export interface CacheStats {
  entries: number;
  /** Bytes counted for the entries held (each entry's own estimate). */
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  /** Entries pushed out to stay within the bounds. */
  evictions: number;
}

export interface CacheBounds {
  maxBytes?: number;
  maxEntries?: number;
}

interface Entry {
  id: string;
  kind: string;
  value: unknown;
  bytes: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 64;

export class DerivedCache {
  readonly maxBytes: number;
  readonly maxEntries: number;
  /** Entries by message, then kind. */
  readonly #index = new Map<string, Map<string, Entry>>();
  /** Every entry, least recently used first (a Set keeps insertion order). */
  readonly #order = new Set<Entry>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(bounds: CacheBounds = {}) {
    this.maxBytes = bounds.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxEntries = bounds.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** The value kept for this message under `kind`, or undefined (counted as a hit or a miss). */
  get<T>(id: string, kind: string): T | undefined {
    const entry = this.#index.get(id)?.get(kind);
    if (!entry) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#order.delete(entry);
    this.#order.add(entry);
    return entry.value as T;
  }

  /**
   * Keeps `value`, counted as `bytes`, then evicts the least recently used entries
   * until the cache is within its bounds again (the newest entry always stays).
   */
  set(id: string, kind: string, value: unknown, bytes: number): void {
    // Dropped first: dropping a message's last entry takes its map out of the index.
    const old = this.#index.get(id)?.get(kind);
    if (old) this.#drop(old);
    let kinds = this.#index.get(id);
    if (!kinds) this.#index.set(id, (kinds = new Map()));
    const entry: Entry = { id, kind, value, bytes };
    kinds.set(kind, entry);
    this.#order.add(entry);
    this.#bytes += bytes;
    for (const oldest of this.#order) {
      if (this.#order.size <= 1 || (this.#order.size <= this.maxEntries && this.#bytes <= this.maxBytes)) break;
      this.#drop(oldest);
      this.#evictions++;
    }
  }

  /** Drops everything kept for a message (it was deleted). */
  forget(id: string): void {
    const kinds = this.#index.get(id);
    if (!kinds) return;
    for (const entry of kinds.values()) this.#drop(entry);
  }

  stats(): CacheStats {
    return { entries: this.#order.size, bytes: this.#bytes, maxBytes: this.maxBytes, hits: this.#hits, misses: this.#misses, evictions: this.#evictions };
  }

  #drop(entry: Entry): void {
    if (!this.#order.delete(entry)) return;
    this.#bytes -= entry.bytes;
    const kinds = this.#index.get(entry.id);
    if (!kinds) return;
    kinds.delete(entry.kind);
    if (kinds.size === 0) this.#index.delete(entry.id);
  }
}

let shared: DerivedCache | undefined;

/** The process's cache, shared by every sandbox and inbox in it (see DerivedCache). */
export function derivedCache(): DerivedCache {
  return (shared ??= new DerivedCache());
}
