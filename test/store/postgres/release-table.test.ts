import { describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import { silentLogger } from '../../../server/lib/log.js';
import { ChangeFeed } from '../../../server/store/postgres/change-feed.js';
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
      const unheard = new ChangeFeed({ pool, logger: silentLogger });
      const table = new PgReleaseTable(pool, 'shop', 5, unheard, silentLogger);
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
      expect(await new PgReleaseTable(pool, 'billing', 5, unheard, silentLogger).of(kept.id)).toEqual([]);
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

  it("announces each save to every other node that listens, in the order saved, and no other inbox's nor a save that kept nothing", async () => {
    const postgres = cluster();
    const [shop, billing] = [
      await openPgStore({ url: postgres.url, inbox: 'shop', limits: { maxMessages: 0, maxBytes: 0 } }),
      await openPgStore({ url: postgres.url, inbox: 'billing', limits: { maxMessages: 0, maxBytes: 0 } }),
    ];
    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    const feeds: ChangeFeed[] = [];
    try {
      const [kept, gone, billed] = [await shop.deliver(mail), await shop.deliver(mail), await billing.deliver(mail)];
      await shop.remove([gone.id]);
      // Two listening nodes of the shop's, one of billing's, each with the one listening
      // connection a node has; the saving node passes over its own saves.
      const listen = async (inbox: string) => {
        const feed = new ChangeFeed({ pool, logger: silentLogger });
        feeds.push(feed);
        await feed.start();
        const heard: Array<{ id: string; state: string }> = [];
        let ended = () => undefined as void;
        const end = new Promise<void>((resolve) => (ended = resolve));
        new PgReleaseTable(pool, inbox, 5, feed, silentLogger).heard((record) => {
          heard.push(record as { id: string; state: string });
          if ((record as { id: string }).id.endsWith('end')) ended();
          return false;
        });
        return { heard, end };
      };
      const [onA, onB, onBilling] = [await listen('shop'), await listen('shop'), await listen('billing')];
      const table = new PgReleaseTable(pool, 'shop', 5, feeds[0] as ChangeFeed, silentLogger);
      const billingTable = new PgReleaseTable(pool, 'billing', 5, feeds[0] as ChangeFeed, silentLogger);
      const ownHeard: string[] = [];
      table.heard((record) => {
        ownHeard.push((record as { id: string }).id);
        return false;
      });
      const at = new Date(Date.UTC(2026, 0, 1));
      const save = (t: PgReleaseTable, id: string, messageId: string, state: string) => t.save({ id, messageId, requestedAt: at, record: { id, state } });
      await save(billingTable, 'r1', billed.id, 'running');
      await save(table, 'r1', kept.id, 'running');
      await save(table, 'late', gone.id, 'running');
      await save(table, 'r1', kept.id, 'done');
      await save(table, 'end', kept.id, 'done');
      await save(billingTable, 'b-end', billed.id, 'done');
      await Promise.all([onA.end, onB.end, onBilling.end]);
      for (const l of [onA, onB]) {
        expect(l.heard.map((r) => r.id)).toEqual(['r1', 'r1', 'end']);
        expect(l.heard[1]).toEqual({ id: 'r1', state: 'done' });
      }
      expect(onBilling.heard.map((r) => r.id)).toEqual(['r1', 'b-end']);
      // What another shop node saves reaches the saving node too, after all its own.
      await save(new PgReleaseTable(pool, 'shop', 5, feeds[1] as ChangeFeed, silentLogger), 'other', kept.id, 'done');
      await vi.waitFor(() => expect(ownHeard).toEqual(['other']));
    } finally {
      await Promise.all(feeds.map((feed) => feed.close()));
      await pool.end();
      await shop.close();
      await billing.close();
    }
  });

  it('reads the releases under way again once its listening connection is back, as how they went on was announced to no one', async () => {
    const postgres = cluster();
    const shop = await openPgStore({ url: postgres.url, inbox: 'shop', limits: { maxMessages: 0, maxBytes: 0 } });
    // Node B's connections are named, so its listening one can be cut alone.
    const [poolA, poolB] = [new pg.Pool({ connectionString: postgres.url, max: 2 }), new pg.Pool({ connectionString: postgres.url, max: 2, application_name: 'node-b' })];
    const [feedA, feedB] = [new ChangeFeed({ pool: poolA, logger: silentLogger }), new ChangeFeed({ pool: poolB, logger: silentLogger })];
    try {
      const message = await shop.deliver(mail);
      await Promise.all([feedA.start(), feedB.start()]);
      const heard: Array<{ id: string; state: string }> = [];
      new PgReleaseTable(poolB, 'shop', 5, feedB, silentLogger).heard((record) => {
        heard.push(record as { id: string; state: string });
        return (record as { state: string }).state === 'running';
      });
      const onA = new PgReleaseTable(poolA, 'shop', 5, feedA, silentLogger);
      const save = (id: string, state: string) => onA.save({ id, messageId: message.id, requestedAt: new Date(Date.UTC(2026, 0, 1)), record: { id, state } });
      await save('ended', 'done');
      await save('going', 'running');
      await vi.waitFor(() => expect(heard).toEqual([{ id: 'ended', state: 'done' }, { id: 'going', state: 'running' }]));
      // The listening connection is cut, and the release ends before it is back (B waits 100 ms to reconnect).
      const cut = await postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'node-b' AND query LIKE 'LISTEN%'");
      expect(cut.rowCount).toBe(1);
      await save('going', 'done');
      await vi.waitFor(() => expect(heard.at(-1)).toEqual({ id: 'going', state: 'done' }), { timeout: 5_000 });
      // A release heard settled is not read again: only the one that was under way.
      expect(heard.filter((r) => r.id === 'ended')).toHaveLength(1);
    } finally {
      await Promise.all([feedA.close(), feedB.close()]);
      await Promise.all([poolA.end(), poolB.end()]);
      await shop.close();
    }
  });
});
