import type pg from 'pg';

/** Bodies one query asks for at most, by their sizes in the index: the driver holds a whole result in memory. */
export const BYTES_PER_READ = 8 * 1024 * 1024;
/** And by count, so one query's id list stays small. */
const IDS_PER_READ = 256;

interface Waiting {
  /** The size the index gives, to bound a query's result. */
  size: number;
  settle: Array<{ resolve: (raw: Buffer | undefined) => void; reject: (error: unknown) => void }>;
}

/**
 * Reads message bodies from letterbox_bodies, the ids asked for within one turn of the
 * event loop in as few queries as the bounds allow: a FETCH, an export or a POP3
 * maildrop asks for many at once (imap/held-bytes.ts), and a query each would be a
 * round trip each. A body the table lacks reads as undefined; a failed query rejects
 * the reads it carried.
 */
export class BodyReads {
  #waiting = new Map<string, Waiting>();
  #scheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly inbox: string,
  ) {}

  read(id: string, size: number): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      let waiting = this.#waiting.get(id);
      if (!waiting) this.#waiting.set(id, (waiting = { size, settle: [] }));
      waiting.settle.push({ resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const waiting = this.#waiting;
    this.#waiting = new Map();
    this.#scheduled = false;
    for (const ids of groups(waiting)) void this.#query(ids, waiting);
  }

  async #query(ids: string[], waiting: Map<string, Waiting>): Promise<void> {
    try {
      const { rows } = await this.pool.query<{ id: string; raw: Buffer }>('SELECT id, raw FROM letterbox_bodies WHERE inbox = $1 AND id = ANY($2::text[])', [this.inbox, ids]);
      const found = new Map(rows.map((row) => [row.id, row.raw]));
      for (const id of ids) for (const { resolve } of waiting.get(id)?.settle ?? []) resolve(found.get(id));
    } catch (error) {
      for (const id of ids) for (const { reject } of waiting.get(id)?.settle ?? []) reject(error);
    }
  }
}

/** The ids in groups of at most IDS_PER_READ and BYTES_PER_READ (a larger body alone). */
function* groups(waiting: ReadonlyMap<string, Waiting>): Generator<string[]> {
  let group: string[] = [];
  let bytes = 0;
  for (const [id, { size }] of waiting) {
    if (group.length > 0 && (group.length === IDS_PER_READ || bytes + size > BYTES_PER_READ)) {
      yield group;
      [group, bytes] = [[], 0];
    }
    group.push(id);
    bytes += size;
  }
  if (group.length > 0) yield group;
}
