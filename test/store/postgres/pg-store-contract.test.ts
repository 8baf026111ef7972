import pg from 'pg';
import { afterAll, beforeAll, describe, vi } from 'vitest';
import type { PgStore } from '../../../server/store/postgres/pg-store.js';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import { hasPostgres, startPostgres, type Postgres } from '../../helpers/postgres.js';
import { storeContract } from '../contract.js';

// Every write here is a durable commit (fsync on): a case making 2,000 one after the other needs longer than a memory store.
vi.setConfig({ testTimeout: 120_000 });

describe.runIf(hasPostgres())('PgStore', () => {
  let postgres: Postgres;
  /** One pool for every store: each also listens on a connection of its own, and the cluster allows few. */
  let pool: pg.Pool;
  const opened: PgStore[] = [];
  beforeAll(async () => {
    postgres = await startPostgres();
    pool = new pg.Pool({ connectionString: postgres.url, max: 8 });
  }, 60_000);
  afterAll(async () => {
    for (const store of opened) await store.close();
    await pool?.end();
    await postgres?.stop();
  });

  // Each store is the store of an inbox of its own: empty, in the one database.
  storeContract('PgStore', async ({ limits, clock }) => {
    const store = await openPgStore({ pool, inbox: `contract-${opened.length}`, limits, clock });
    opened.push(store);
    return store;
  });
});
