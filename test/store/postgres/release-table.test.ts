import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import { PgReleaseTable } from '../../../server/store/postgres/release-table.js';
import { hasPostgres } from '../../helpers/postgres.js';
import { usePostgres } from '../../helpers/use-postgres.js';

const mail = { raw: Buffer.from('Subject: released\r\n\r\nbody\r\n'), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } };

describe.runIf(hasPostgres())('the release history in the database', () => {
  const cluster = usePostgres();

  it('keeps the latest releases of a message up to the bound, each at its last saved state, and none of a message that is gone', async () => {
    const postgres = cluster();
    const store = await openPgStore({ url: postgres.url, inbox: 'shop', limits: { maxMessages: 0, maxBytes: 0 } });
    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    try {
      const table = new PgReleaseTable(pool, 'shop', 5);
      const [kept, gone] = [await store.deliver(mail), await store.deliver(mail)];
      const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      // Saved without waiting between them: they land in the order asked, the last state of each last.
      const saves = [];
      for (let i = 0; i < 8; i++) {
        const release = { id: `r${i}`, messageId: kept.id, requestedAt: at(i) };
        saves.push(table.save({ ...release, record: { n: i, state: 'running' } }), table.save({ ...release, record: { n: i, state: 'done' } }));
      }
      await Promise.all(saves);
      expect(await table.of(kept.id)).toEqual([3, 4, 5, 6, 7].map((n) => ({ n, state: 'done' })));
      expect((await postgres.sql('SELECT count(*)::int AS n FROM letterbox_releases')).rows[0]?.n).toBe(5);
      // Another inbox's message of the same id is another message.
      expect(await new PgReleaseTable(pool, 'billing', 5).of(kept.id)).toEqual([]);
      await store.remove([gone.id]);
      await table.save({ id: 'late', messageId: gone.id, requestedAt: at(9), record: { n: 9 } });
      expect(await table.of(gone.id)).toEqual([]);
      await store.remove([kept.id]);
      expect((await postgres.sql('SELECT count(*)::int AS n FROM letterbox_releases')).rows[0]?.n).toBe(0);
    } finally {
      await pool.end();
      await store.close();
    }
  });
});
