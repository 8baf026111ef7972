/**
 * Message bytes recently read or delivered, least recently used dropped first, held
 * to a byte budget (`--cache-size`). Concurrent reads of one body share one fetch.
 */
export class BodyCache {
  /** Insertion order is use order: a hit moves its entry to the end. */
  readonly #bodies = new Map<string, Buffer>();
  readonly #fetching = new Map<string, Promise<Buffer | undefined>>();
  #bytes = 0;

  constructor(
    readonly budget: number,
    private readonly fetch: (id: string) => Promise<Buffer | undefined>,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  async read(id: string): Promise<Buffer | undefined> {
    const hit = this.#bodies.get(id);
    if (hit) {
      this.#bodies.delete(id);
      this.#bodies.set(id, hit);
      return hit;
    }
    let fetching = this.#fetching.get(id);
    if (!fetching) {
      fetching = this.fetch(id).finally(() => this.#fetching.delete(id));
      this.#fetching.set(id, fetching);
    }
    const raw = await fetching;
    if (raw) this.put(id, raw);
    return raw;
  }

  /** Keeps bytes known to be current (a message just delivered); bodies past the budget are not kept. */
  put(id: string, raw: Buffer): void {
    this.forget(id);
    if (raw.length > this.budget) return;
    this.#bodies.set(id, raw);
    this.#bytes += raw.length;
    for (const [oldest, bytes] of this.#bodies) {
      if (this.#bytes <= this.budget) break;
      this.#bodies.delete(oldest);
      this.#bytes -= bytes.length;
    }
  }

  forget(id: string): void {
    const raw = this.#bodies.get(id);
    if (!raw) return;
    this.#bodies.delete(id);
    this.#bytes -= raw.length;
  }

  clear(): void {
    this.#bodies.clear();
    this.#bytes = 0;
  }
}
