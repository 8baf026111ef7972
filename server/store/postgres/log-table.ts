import { createHash } from 'node:crypto';
import type pg from 'pg';
import { bodyTextStatement } from './body-text.js';
import type { LogRecord, LogRow } from './log-record.js';
import { markerOf, snapshotOf, type SnapshotMarker } from './log-snapshot.js';
import { byteaLiteral, dollarQuoted } from './sql-literal.js';

/** The NOTIFY channel every write announces itself on, with '<inbox>:<last position>'. */
export const CHANNEL = 'letterbox';

/**
 * Records read at a time, about (a page ends at a row's end), so a node far behind
 * catches up in bounded steps whatever the size of the transactions that wrote them.
 */
const PAGE_RECORDS = 5_000;

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Calls `apply` with the inbox's rows after `after`, page by page, in order, until it returns false. */
export async function readLog(db: Queryable, inbox: string, after: number, apply: (rows: LogRow[]) => void | boolean): Promise<void> {
  for (let from = after; ; ) {
    const page = await readPage(db, inbox, from);
    if (page.rows.length > 0 && apply(page.rows) === false) return;
    if (!page.more) return;
    from = page.rows[page.rows.length - 1]?.pos ?? from;
  }
}

/** The inbox's first rows after `after`, in order; `more` when there are others after them. */
export async function readPage(db: Queryable, inbox: string, after: number): Promise<{ rows: LogRow[]; more: boolean }> {
  // Named, so each connection plans it once: a node reads after every write another node makes.
  const { rows } = await db.query<LogRowText>({ name: 'letterbox-read-log', text: pageAfter('$1', '$2::bigint'), values: [inbox, after] });
  return pageOf(rows);
}

/**
 * The rows of the next page after position `after` (SQL expressions), each row a
 * transaction's records ending at `pos`: those ending within PAGE_RECORDS positions,
 * and at least the first row (a transaction may be larger), with the log's last
 * position beside them so the reader knows whether to read on.
 */
const pageAfter = (inbox: string, after: string) =>
  `WITH tail AS (SELECT max(pos) AS last FROM letterbox_log WHERE inbox = ${inbox})
   SELECT pos, record, tail.last FROM letterbox_log, tail WHERE inbox = ${inbox} AND pos > ${after}
     AND pos <= GREATEST(${after} + ${PAGE_RECORDS}, (SELECT min(pos) FROM letterbox_log WHERE inbox = ${inbox} AND pos > ${after}))
   ORDER BY pos`;

type LogRowText = { pos: string; record: LogRecord | LogRecord[]; last: string };
function pageOf(rows: LogRowText[]): { rows: LogRow[]; more: boolean } {
  const page = rows.map((r) => ({ pos: Number(r.pos), records: Array.isArray(r.record) ? r.record : [r.record] }));
  const end = page[page.length - 1]?.pos;
  return { rows: page, more: end !== undefined && end < Number(rows[0]?.last) };
}

/** The last position of each inbox's log (0 for an empty one), in one query. */
export async function readTails(db: Queryable, inboxes: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ inbox: string; last: string | null }>({
    name: 'letterbox-log-tails',
    text: 'SELECT i AS inbox, (SELECT max(pos) FROM letterbox_log WHERE inbox = i) AS last FROM unnest($1::text[]) AS i',
    values: [inboxes],
  });
  return new Map(rows.map((r) => [r.inbox, Number(r.last ?? 0)]));
}

/**
 * A transaction advisory lock of the inbox's, on a 64-bit hash of its name: `log` is
 * the cluster lock every write takes; `compaction` is taken by compactions only, so
 * writes go on beside one.
 */
export function lockKey(inbox: string, lock: 'log' | 'compaction' = 'log'): string {
  const name = `letterbox-${lock}:${inbox}`;
  let key = lockKeys.get(name);
  if (key === undefined) {
    key = createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
    lockKeys.set(name, key);
  }
  return key;
}
/** Hashed once per inbox and lock: every write takes one. A node's inboxes are few. */
const lockKeys = new Map<string, string>();

/** What a batch of local writes puts in the database. */
export interface LogBatch {
  records: LogRecord[];
  /** Bytes of messages delivered by the batch and still there at its end. */
  bodies: ReadonlyMap<string, Buffer>;
  /** Messages stored before the batch that it removed. */
  deleted: readonly string[];
  /** Whether the batch removed everything stored before it. */
  cleared: boolean;
  /** Body search texts the batch made, of messages still there at its end (body-text.ts). */
  texts: ReadonlyMap<string, string>;
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
 * store their bytes, NOTIFY, COMMIT: two round trips while the lock is held. Writers
 * of an inbox take turns, so positions commit in order and a reader never skips one.
 * Returns the last position written, or undefined when the writes changed nothing.
 * Throws when anything fails; nothing of the batch is then in the database.
 */
export function writeLog(pool: pg.Pool, inbox: string, tx: LogTransaction): Promise<number | undefined> {
  return underLock(pool, inbox, tx, async (client) => {
    const batch = await tx.apply();
    if (batch.records.length === 0) {
      await client.query('COMMIT');
      return undefined;
    }
    const last = tx.position() + batch.records.length;
    await client.query(appendAndCommit(client, inbox, tx.position() + 1, batch));
    return last;
  });
}

/** A node's index as snapshot rows (log-snapshot.ts), at the log position it stands at. */
export interface LogSnapshot {
  at: number;
  rows: readonly LogRow[];
}

/** What compacting the log needs of a node (PgStore). */
export interface LogCompaction {
  /** The last position the node has applied. */
  position(): number;
  /** Whether a log holding `held` records is worth compacting. */
  worth(held: number): boolean;
  /** The node's index as snapshot rows, taken when nothing changes it; undefined to give up. */
  snapshot(): Promise<LogSnapshot | undefined>;
}

/**
 * Snapshot rows written by one statement: about a megabyte of JSON (a row holds a
 * thousand records), which takes a few tens of milliseconds to build, while nothing
 * else runs on the node. A compaction of a large sandbox is many statements.
 */
const SNAPSHOT_ROWS_PER_INSERT = 2;

/**
 * Replaces the inbox's log up to the node's position with a snapshot of its index,
 * when the records held there make it worth it, so that the log (and a node's start,
 * which reads it all) grows with the sandbox, not with every change ever made to it.
 *
 * It takes the compaction lock, not the cluster lock: it only touches rows up to the
 * snapshot's position, and writers append after it (and after wherever they are, as
 * the rows they read show), so no write waits on a compaction, however long its
 * statements take. The lock is held from before the snapshot is taken, so a node that
 * finds the log long while another compacts it waits, then finds it short, and takes
 * no snapshot of its own. Positions go on unchanged: a node at or past the snapshot's
 * position reads on as before; one behind it finds `snapshot` rows and rebuilds.
 * Returns the records the log holds up to the node's position afterwards (heldUpTo).
 */
export function compactLog(pool: pg.Pool, inbox: string, node: LogCompaction): Promise<number> {
  return inTransaction(pool, async (client) => {
    const where = client.escapeLiteral(inbox);
    const opened = (await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${lockKey(inbox, 'compaction')}); ${FIRST_RECORD(where)}`)) as unknown as [
      unknown,
      unknown,
      pg.QueryResult<FirstRecord>,
    ];
    const start = markerOf(opened[2].rows[0]?.first);
    const unchanged = async (held: number) => {
      await client.query('COMMIT');
      return held;
    };
    // Compacted as far already (by another node), or not long enough to be worth a snapshot.
    const held = heldUpTo(start, node.position());
    if ((start && start.at >= node.position()) || !node.worth(held)) return unchanged(held);
    const snapshot = await node.snapshot();
    if (!snapshot) return unchanged(held);
    const { at, rows } = snapshot;
    await client.query(`DELETE FROM letterbox_log WHERE inbox = ${where} AND pos <= ${at}`);
    for (let i = 0; i < rows.length; i += SNAPSHOT_ROWS_PER_INSERT) {
      const values = rows.slice(i, i + SNAPSHOT_ROWS_PER_INSERT).map((row) => `(${where}, ${row.pos}, ${dollarQuoted(JSON.stringify(row.records))})`);
      await client.query(`INSERT INTO letterbox_log (inbox, pos, record) VALUES ${values.join(', ')}`);
    }
    await client.query('COMMIT');
    return heldUpTo(snapshotOf(rows[0] as LogRow), node.position());
  });
}

/**
 * Records the log holds up to position `at`: all of them, or a snapshot's and those
 * after it (only the snapshot's, when it reaches past `at`).
 */
const heldUpTo = (start: SnapshotMarker | undefined, at: number): number => (start ? start.size + Math.max(0, at - start.at) : at);

/** The log's first record (of its first row: a snapshot row holds a thousand), where a compacted log has its marker. */
const FIRST_RECORD = (inbox: string) =>
  `SELECT CASE WHEN json_typeof(record) = 'array' THEN record->0 ELSE record END AS first FROM letterbox_log WHERE inbox = ${inbox} ORDER BY pos LIMIT 1`;
type FirstRecord = { first: LogRecord | null };

/**
 * Runs `work` in a transaction holding the inbox's cluster lock, the node caught up
 * with the log; `work` commits. Throws when anything fails; nothing of the
 * transaction is then in the database.
 */
function underLock<T>(pool: pg.Pool, inbox: string, tx: LogTransaction, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    // Round trips are what a writer holding the lock waits on: BEGIN, the lock and the
    // first page of catching up go in one (a simple query, so its values are literals).
    // The page is read by a statement the connection prepared: planned at every write,
    // it cost the database as much again as running it, while the lock was held.
    const prepare = pagePrepared.has(client) ? '' : `PREPARE ${PAGE_STATEMENT}(text, bigint) AS ${pageAfter('$1', '$2')}; `;
    const opened = (await client.query(
      `${prepare}BEGIN; SELECT pg_advisory_xact_lock(${lockKey(inbox)}); EXECUTE ${PAGE_STATEMENT}(${client.escapeLiteral(inbox)}, ${tx.position()})`,
    )) as unknown as Array<pg.QueryResult<LogRowText>>;
    pagePrepared.add(client);
    const first = pageOf((opened.at(-1) as pg.QueryResult<LogRowText>).rows);
    if (first.rows.length > 0) tx.catchUp(first.rows);
    if (first.more) await readLog(client, inbox, tx.position(), (rows) => tx.catchUp(rows));
    return work(client);
  });
}

/** The page statement a writer's connection prepares once (a connection that failed is not lent again). */
const PAGE_STATEMENT = 'letterbox_write_page';
const pagePrepared = new WeakSet<pg.ClientBase>();

/**
 * Runs `work` on a connection of its own, which begins a transaction and commits it.
 * When anything fails it rolls back and throws: nothing of the transaction is then in
 * the database.
 */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failure: Error | undefined;
  // A connection lost mid-transaction fails the query at hand; unheard, its 'error' event would end the process.
  const lost = (error: Error) => (failure ??= error);
  client.on('error', lost);
  try {
    return await work(client);
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
 * What a batch writes, and COMMIT, as one simple query: one round trip while the lock is
 * held, and values as literals (sql-literal.ts) rather than array parameters, which the
 * driver would escape element by element and the server parse back. The statements run
 * in order and stop at the first that fails, leaving the transaction to roll back. The
 * bodies the batch removed go before those it delivered, so clearing cannot reach them;
 * the NOTIFY is sent at COMMIT.
 */
function appendAndCommit(client: pg.ClientBase, inbox: string, first: number, batch: LogBatch): string {
  const where = client.escapeLiteral(inbox);
  const statements: string[] = [];
  if (batch.cleared) statements.push(`DELETE FROM letterbox_bodies WHERE inbox = ${where}`);
  if (batch.deleted.length > 0) {
    statements.push(`DELETE FROM letterbox_bodies WHERE inbox = ${where} AND id IN (${batch.deleted.map((id) => client.escapeLiteral(id)).join(', ')})`);
  }
  if (batch.bodies.size > 0) {
    const rows = [...batch.bodies].map(([id, raw]) => `(${where}, ${client.escapeLiteral(id)}, ${byteaLiteral(raw)})`);
    statements.push(`INSERT INTO letterbox_bodies (inbox, id, raw) VALUES ${rows.join(', ')}`);
  }
  // After the bodies: a text belongs to a stored message (a foreign key).
  if (batch.texts.size > 0) statements.push(bodyTextStatement(client, inbox, batch.texts));
  // One row for the batch, at its last position: a row and an index entry less per record
  // to write, and to read back on every other node. Readers ask for rows after the last
  // position they applied, always a row's end.
  const last = first + batch.records.length - 1;
  statements.push(`INSERT INTO letterbox_log (inbox, pos, record) VALUES (${where}, ${last}, ${dollarQuoted(JSON.stringify(batch.records))})`);
  statements.push(`SELECT pg_notify('${CHANNEL}', ${client.escapeLiteral(`${inbox}:${last}`)})`);
  statements.push('COMMIT');
  return statements.join(';\n');
}
