import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import { SCHEMA_VERSION } from '../../../server/store/postgres/schema.js';
import { hasPostgres, startPostgres, type Postgres } from '../../helpers/postgres.js';

const LIMITS = { maxMessages: 0, maxBytes: 0 };

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

  it('says in one line why it cannot open an unreachable database', async () => {
    const error = await openPgStore({ url: 'postgres://nobody@127.0.0.1:1/none', limits: LIMITS }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^cannot open the PostgreSQL store: .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain('\n');
  });
});
