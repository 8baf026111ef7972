import type pg from 'pg';
import { BODY_TEXT_MIGRATION } from './body-text.js';
import { RELEASE_TABLE_MIGRATION } from './release-table.js';

/**
 * The schema, as numbered migrations: each runs once per database, in order, in a
 * transaction of its own that also records its number in letterbox_schema. Append
 * new ones; never change one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the shared log (one row per result record; bytes excluded) and the message bytes.
  // Every row names its inbox ('' without --inboxes), so one database holds a store per inbox.
  `CREATE TABLE letterbox_log (
     inbox text NOT NULL,
     pos bigint NOT NULL,
     record jsonb NOT NULL,
     PRIMARY KEY (inbox, pos)
   );
   CREATE TABLE letterbox_bodies (
     inbox text NOT NULL,
     id text NOT NULL,
     raw bytea NOT NULL,
     PRIMARY KEY (inbox, id)
   );`,
  // 2: cheaper to write and to read back, as every node reads every record another wrote.
  // A record as json is kept as the text written (jsonb parses it into a tree and prints
  // it back for every reader), and nothing queries inside it. Rows of up to a page are
  // kept as they are rather than compressed (toast_tuple_target): a 2 KB message or body
  // record was compressed at every write and decompressed at every read.
  `ALTER TABLE letterbox_log ALTER COLUMN record TYPE json USING record::json;
   ALTER TABLE letterbox_log SET (toast_tuple_target = 8160);
   ALTER TABLE letterbox_bodies SET (toast_tuple_target = 8160);`,
  // 3: inboxes made through the admin API, shared by every node (inbox-table.ts).
  `CREATE TABLE letterbox_inboxes (
     name text PRIMARY KEY,
     smtp_user text NOT NULL,
     smtp_hash text NOT NULL,
     expires_at bigint
   );`,
  // 4: body search text in the database, not in the log nor any node's index (body-text.ts).
  BODY_TEXT_MIGRATION,
  // 5: the release history every node reads (release-table.ts), gone with its message.
  RELEASE_TABLE_MIGRATION,
];

/** Session advisory lock held while migrating: nodes starting together migrate one after the other. */
const MIGRATION_LOCK = '7308340227031359001';

/**
 * Brings the database to this version's schema. Idempotent, and safe when several
 * nodes start at once: the second waits for the first, then finds nothing left to do.
 * Refuses a database a newer Letterbox has migrated past what this one knows.
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  // Lost mid-migration, the query at hand fails; unheard, the 'error' event would end the process.
  const lost = () => undefined;
  client.on('error', lost);
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS letterbox_schema (version integer PRIMARY KEY)');
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM letterbox_schema');
      const current = rows[0]?.version ?? 0;
      if (current > MIGRATIONS.length) {
        throw new Error(`the database's schema is version ${current}, newer than this Letterbox knows (${MIGRATIONS.length}): upgrade Letterbox`);
      }
      for (let version = current + 1; version <= MIGRATIONS.length; version++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[version - 1] as string);
          await client.query('INSERT INTO letterbox_schema (version) VALUES ($1)', [version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK]);
    }
  } finally {
    client.off('error', lost);
    client.release();
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
