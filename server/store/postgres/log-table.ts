import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { LogRecord, LogRow } from './log-record.js';

/** The NOTIFY channel every write announces itself on, with '<inbox>:<last position>'. */
export const CHANNEL = 'letterbox';

/** Rows read at a time, so a node far behind catches up in bounded steps. */
const PAGE_ROWS = 5_000;

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Calls `apply` with the inbox's rows after `after`, page by page, in order. */
export async function readLog(db: Queryable, inbox: string, after: number, apply: (rows: LogRow[]) => void): Promise<void> {
  for (let from = after; ; ) {
    const { rows } = await db.query<LogRowText>(`${SELECT_AFTER} $1 AND pos > $2 ORDER BY pos LIMIT ${PAGE_ROWS}`, [inbox, from]);
    const page = rowsOf(rows);
    if (page.length > 0) apply(page);
    if (page.length < PAGE_ROWS) return;
    from = page[page.length - 1]?.pos ?? from;
  }
}

const SELECT_AFTER = 'SELECT pos, record FROM letterbox_log WHERE inbox =';
type LogRowText = { pos: string; record: LogRecord };
const rowsOf = (rows: LogRowText[]): LogRow[] => rows.map((r) => ({ pos: Number(r.pos), record: r.record }));

/** The inbox's cluster lock: a transaction advisory lock on a 64-bit hash of its name. */
export function lockKey(inbox: string): string {
  return createHash('sha256').update(`letterbox-log:${inbox}`).digest().readBigInt64BE(0).toString();
}

/** What a batch of local writes puts in the database. */
export interface LogBatch {
  records: LogRecord[];
  /** Bytes of messages delivered by the batch and still there at its end. */
  bodies: ReadonlyMap<string, Buffer>;
  /** Messages stored before the batch that it removed. */
  deleted: readonly string[];
  /** Whether the batch removed everything stored before it. */
  cleared: boolean;
}

export interface LogTransaction {
  /** The last position this node has applied. */
  position(): number;
  /** Applies rows other nodes committed since then. */
  catchUp(rows: LogRow[]): void;
  /** Applies this node's queued writes to its index; returns what they changed. */
  apply(): Promise<LogBatch>;
}

/**
 * One cluster-wide write (DESIGN.md "Backends"): under the inbox's lock, catch up with
 * the log, apply the local writes, append their records after the last position and
 * store their bytes, NOTIFY, COMMIT. Writers of an inbox take turns, so positions
 * commit in order and a reader never skips one. Returns the last position written,
 * or undefined when the writes changed nothing. Throws when anything fails; nothing
 * of the batch is then in the database.
 */
export async function writeLog(pool: pg.Pool, inbox: string, tx: LogTransaction): Promise<number | undefined> {
  const client = await pool.connect();
  let failure: Error | undefined;
  // A connection lost mid-transaction fails the query at hand; unheard, its 'error' event would end the process.
  const lost = (error: Error) => (failure ??= error);
  client.on('error', lost);
  try {
    // Round trips are what a writer holding the lock waits on: BEGIN, the lock and the
    // first page of catching up go in one (a simple query, so its values are literals).
    const opened = (await client.query(
      `BEGIN; SELECT pg_advisory_xact_lock(${lockKey(inbox)}); ${SELECT_AFTER} ${client.escapeLiteral(inbox)} AND pos > ${tx.position()} ORDER BY pos LIMIT ${PAGE_ROWS}`,
    )) as unknown as [unknown, unknown, pg.QueryResult<LogRowText>];
    const first = rowsOf(opened[2].rows);
    if (first.length > 0) tx.catchUp(first);
    if (first.length === PAGE_ROWS) await readLog(client, inbox, tx.position(), (rows) => tx.catchUp(rows));
    const batch = await tx.apply();
    if (batch.records.length === 0) {
      await client.query('COMMIT');
      return undefined;
    }
    const last = tx.position() + batch.records.length;
    await client.query({
      ...APPEND,
      values: [
        inbox,
        tx.position() + 1,
        batch.records.map((r) => JSON.stringify(r)),
        `${inbox}:${last}`,
        batch.deleted,
        [...batch.bodies.keys()],
        [...batch.bodies.values()],
        batch.cleared,
      ],
    });
    await client.query('COMMIT');
    return last;
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw failure;
  } finally {
    // A connection that failed may be broken: the pool drops it rather than lend it again
    // (still heard, as it may yet announce its end).
    if (!failure) client.off('error', lost);
    client.release(failure);
  }
}

/**
 * One statement for all a batch writes (a round trip each would be held under the
 * lock): the bodies it removed, those it delivered, its records, and the NOTIFY
 * (sent at COMMIT). All parts see the table as it was before the statement, so a
 * cleared batch's DELETE cannot reach the bodies the same batch inserts. Always the
 * same text, so the server plans it once per connection.
 */
const APPEND = {
  name: 'letterbox-append',
  text: `WITH cleared AS (DELETE FROM letterbox_bodies WHERE inbox = $1 AND $8::boolean),
    deleted AS (DELETE FROM letterbox_bodies WHERE inbox = $1 AND id = ANY($5::text[])),
    bodies AS (INSERT INTO letterbox_bodies (inbox, id, raw) SELECT $1, * FROM unnest($6::text[], $7::bytea[])),
    logged AS (INSERT INTO letterbox_log (inbox, pos, record) SELECT $1, $2::bigint + n - 1, r FROM unnest($3::jsonb[]) WITH ORDINALITY AS t(r, n))
    SELECT pg_notify('${CHANNEL}', $4)`,
};
