/** One store's part of a node's body cache (BodyCache.shelf). */
export interface BodyShelf {
  /** The bytes, from the cache or fetched (one fetch for concurrent reads); undefined when the store has none. */
  read(id: string): Promise<Buffer | undefined>;
  /** Keeps bytes known to be current (a message just delivered); bodies past the budget are not kept. */
  put(id: string, raw: Buffer): void;
  forget(id: string): void;
  /** Forgets every body of this store. */
  clear(): void;
}

/**
 * Message bytes recently read or delivered, least recently used dropped first, held
 * to one byte budget for the node (`--cache-size`), however many stores (inboxes)
 * share it: each has a shelf, its keys apart from the others'.
 */
export class BodyCache {
  /** Insertion order is use order: a hit moves its entry to the end. Keys are `<shelf>/<id>`. */
  readonly #bodies = new Map<string, Buffer>();
  readonly #fetching = new Map<string, Promise<Buffer | undefined>>();
  #bytes = 0;

  constructor(readonly budget: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** The part of the cache of one store, named `name` (an inbox name holds no '/'), which fetches its bodies with `fetch`. */
  shelf(name: string, fetch: (id: string) => Promise<Buffer | undefined>): BodyShelf {
    const prefix = `${name}/`;
    return {
      read: (id) => this.#read(prefix + id, () => fetch(id)),
      put: (id, raw) => this.#put(prefix + id, raw),
      forget: (id) => this.#forget(prefix + id),
      clear: () => {
        for (const key of [...this.#bodies.keys()]) if (key.startsWith(prefix)) this.#forget(key);
      },
    };
  }

  async #read(key: string, fetch: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    const hit = this.#bodies.get(key);
    if (hit) {
      this.#bodies.delete(key);
      this.#bodies.set(key, hit);
      return hit;
    }
    let fetching = this.#fetching.get(key);
    if (!fetching) {
      fetching = fetch().finally(() => this.#fetching.delete(key));
      this.#fetching.set(key, fetching);
    }
    const raw = await fetching;
    if (raw) this.#put(key, raw);
    return raw;
  }

  #put(key: string, raw: Buffer): void {
    this.#forget(key);
    if (raw.length > this.budget) return;
    this.#bodies.set(key, raw);
    this.#bytes += raw.length;
    for (const [oldest, bytes] of this.#bodies) {
      if (this.#bytes <= this.budget) break;
      this.#bodies.delete(oldest);
      this.#bytes -= bytes.length;
    }
  }

  #forget(key: string): void {
    const raw = this.#bodies.get(key);
    if (!raw) return;
    this.#bodies.delete(key);
    this.#bytes -= raw.length;
  }
}
