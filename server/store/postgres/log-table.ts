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
    const { rows } = await db.query<{ pos: string; record: LogRecord }>(
      'SELECT pos, record FROM letterbox_log WHERE inbox = $1 AND pos > $2 ORDER BY pos LIMIT $3',
      [inbox, from, PAGE_ROWS],
    );
    if (rows.length === 0) return;
    const page = rows.map((r) => ({ pos: Number(r.pos), record: r.record }));
    apply(page);
    from = page[page.length - 1]?.pos ?? from;
    if (rows.length < PAGE_ROWS) return;
  }
}

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
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(inbox)]);
    await readLog(client, inbox, tx.position(), (rows) => tx.catchUp(rows));
    const batch = await tx.apply();
    if (batch.records.length === 0) {
      await client.query('COMMIT');
      return undefined;
    }
    if (batch.cleared) await client.query('DELETE FROM letterbox_bodies WHERE inbox = $1', [inbox]);
    if (batch.deleted.length > 0) await client.query('DELETE FROM letterbox_bodies WHERE inbox = $1 AND id = ANY($2::text[])', [inbox, batch.deleted]);
    if (batch.bodies.size > 0) {
      await client.query('INSERT INTO letterbox_bodies (inbox, id, raw) SELECT $1, * FROM unnest($2::text[], $3::bytea[])', [
        inbox,
        [...batch.bodies.keys()],
        [...batch.bodies.values()],
      ]);
    }
    const first = tx.position() + 1;
    const last = first + batch.records.length - 1;
    await client.query('INSERT INTO letterbox_log (inbox, pos, record) SELECT $1, $2::bigint + n - 1, r FROM unnest($3::jsonb[]) WITH ORDINALITY AS t(r, n)', [
      inbox,
      first,
      batch.records.map((r) => JSON.stringify(r)),
    ]);
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, `${inbox}:${last}`]);
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
