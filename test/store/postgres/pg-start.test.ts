import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryOfText } from '../../../server/mime/body-text.js';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import { SCHEMA_VERSION } from '../../../server/store/postgres/schema.js';
import { hasPostgres, startPostgres, type Postgres } from '../../helpers/postgres.js';

const LIMITS = { maxMessages: 0, maxBytes: 0 };
const mail = (n: number) => ({ raw: Buffer.from(`Subject: note ${n}\r\n\r\nbody ${n}\r\n`), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } });

/** Runs SQL on a database of its own connection. */
async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

describe.runIf(hasPostgres())('opening the PostgreSQL store', () => {
  let postgres: Postgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });

  it('migrates a new database once when several nodes start at the same moment, and again finds nothing to do', async () => {
    const url = await postgres.createDatabase();
    const nodes = await Promise.all(Array.from({ length: 4 }, () => openPgStore({ url, limits: LIMITS })));
    await nodes[0]?.deliver({ raw: Buffer.from('Subject: hi\r\n\r\nhello\r\n'), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } });
    for (const node of nodes) await node.close();
    const again = await openPgStore({ url, limits: LIMITS });
    expect(again.stats().messages).toBe(1);
    await again.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const versions = await client.query<{ version: number }>('SELECT version FROM letterbox_schema ORDER BY version');
    await client.end();
    expect(versions.rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('refuses a database a newer Letterbox has migrated further', async () => {
    const url = await postgres.createDatabase();
    await (await openPgStore({ url, limits: LIMITS })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('INSERT INTO letterbox_schema (version) VALUES ($1)', [SCHEMA_VERSION + 1]);
    await client.end();
    await expect(openPgStore({ url, limits: LIMITS })).rejects.toThrow(/newer than this Letterbox knows/);
  });

  it('brings a database of schema version 1 (a jsonb row per record) up to date and reads back all it holds', async () => {
    // What version 1 made, filled with what a node writes, moved over as version 1 kept it.
    const source = await postgres.createDatabase();
    const writer = await openPgStore({ url: source, limits: LIMITS });
    const raw = Buffer.concat([Buffer.from('Subject: from version 1\r\n\r\n'), Buffer.from([0x00, 0xff, 0x0d])]);
    const sent = await writer.deliver({ raw, envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } });
    await writer.setFlags([sent.id], 'add', ['\\Seen']);
    await writer.setBody(sent.id, { snippet: 'old', attachments: 0, inline: 0, searchText: 'old' });
    await writer.close();
    const url = await postgres.createDatabase();
    const [from, to] = [new pg.Client({ connectionString: source }), new pg.Client({ connectionString: url })];
    await Promise.all([from.connect(), to.connect()]);
    try {
      await to.query(`CREATE TABLE letterbox_schema (version integer PRIMARY KEY);
        INSERT INTO letterbox_schema (version) VALUES (1);
        CREATE TABLE letterbox_log (inbox text NOT NULL, pos bigint NOT NULL, record jsonb NOT NULL, PRIMARY KEY (inbox, pos));
        CREATE TABLE letterbox_bodies (inbox text NOT NULL, id text NOT NULL, raw bytea NOT NULL, PRIMARY KEY (inbox, id));`);
      // Version 1 wrote a row per record, at its own position.
      for (const r of (await from.query<{ inbox: string; pos: string; record: unknown[] }>('SELECT inbox, pos, record FROM letterbox_log')).rows) {
        for (const [i, record] of r.record.entries()) {
          await to.query('INSERT INTO letterbox_log (inbox, pos, record) VALUES ($1, $2, $3::jsonb)', [r.inbox, Number(r.pos) - r.record.length + 1 + i, JSON.stringify(record)]);
        }
      }
      for (const r of (await from.query<{ inbox: string; id: string; raw: Buffer }>('SELECT inbox, id, raw FROM letterbox_bodies')).rows) {
        await to.query('INSERT INTO letterbox_bodies (inbox, id, raw) VALUES ($1, $2, $3)', [r.inbox, r.id, r.raw]);
      }
      const reader = await openPgStore({ url, limits: LIMITS });
      const read = reader.get(sent.id);
      expect([read?.summary.subject, [...(read?.flags ?? [])], read?.body?.snippet]).toEqual(['from version 1', ['\\Seen'], 'old']);
      expect((await reader.readRaw(sent.id))?.equals(raw)).toBe(true);
      // Rows of both versions in one log, read by a node started after.
      const next = await reader.deliver({ raw, envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } });
      await reader.close();
      const later = await openPgStore({ url, limits: LIMITS });
      expect(later.messages().map((m) => [m.id, m.seq])).toEqual([
        [sent.id, 1],
        [next.id, 2],
      ]);
      expect(later.get(sent.id)?.body?.snippet).toBe('old');
      await later.close();
      const { rows } = await to.query<{ type: string }>("SELECT data_type AS type FROM information_schema.columns WHERE table_name = 'letterbox_log' AND column_name = 'record'");
      expect(rows).toEqual([{ type: 'json' }]);
    } finally {
      await Promise.all([from.end(), to.end()]);
    }
  });

  it('says in one line why it cannot open an unreachable database', async () => {
    const error = await openPgStore({ url: 'postgres://nobody@127.0.0.1:1/none', limits: LIMITS }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^cannot open the PostgreSQL store: .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('copies the search text of body records written before into the table, the last of each message, and keeps none in the index', async () => {
    const url = await postgres.createDatabase();
    const node = await openPgStore({ url, limits: LIMITS });
    const [kept, removed] = [await node.deliver(mail(1)), await node.deliver(mail(2))];
    await node.setBody(kept.id, summaryOfText('first words', 0, 0));
    await node.setBody(kept.id, summaryOfText('second words', 0, 0));
    await node.setBody(removed.id, summaryOfText('gone words', 0, 0));
    await node.remove([removed.id]);
    await node.close();
    // The database as schema step 3 left it (step 4 made the body text table), the texts inside the body records.
    await sql(
      url,
      `DROP TABLE letterbox_releases; DROP TABLE letterbox_body_text; DELETE FROM letterbox_schema WHERE version >= 4;
       UPDATE letterbox_log SET record = (
         SELECT json_agg(CASE WHEN e->>'t' = 'body' THEN jsonb_set(e::jsonb, '{body,searchText}', to_jsonb(lower(e->'body'->>'snippet')))::json ELSE e END ORDER BY n)
         FROM json_array_elements(record) WITH ORDINALITY AS t(e, n))`,
    );
    const upgraded = await openPgStore({ url, limits: LIMITS });
    try {
      expect(upgraded.get(kept.id)?.body).toEqual({ snippet: 'second words', attachments: 0, inline: 0 });
      expect(await upgraded.bodiesContaining('words')).toEqual(new Set([kept.id]));
      expect(await upgraded.bodiesContaining('first')).toEqual(new Set());
    } finally {
      await upgraded.close();
    }
  });
});
