import { describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { silentLogger } from '../../../server/lib/log.js';
import { ChangeFeed } from '../../../server/store/postgres/change-feed.js';
import { CHANNEL } from '../../../server/store/postgres/log-table.js';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import { migrate } from '../../../server/store/postgres/schema.js';
import { hasPostgres } from '../../helpers/postgres.js';
import { usePostgres } from '../../helpers/use-postgres.js';

const mail = (n: number) => ({ raw: Buffer.from(`Subject: note ${n}\r\n\r\nbody ${n}\r\n`), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } });

describe.runIf(hasPostgres())("a node's listener for other nodes", () => {
  const cluster = usePostgres();

  it('goes on telling the others when a subscriber throws, on a notification and at the safety checks', async () => {
    const pool = new pg.Pool({ connectionString: cluster().url, max: 2 });
    const feed = new ChangeFeed({ pool, logger: silentLogger, safetyMs: 50 });
    try {
      await migrate(pool);
      await feed.start();
      const heard: Array<string | undefined> = [];
      feed.subscribe('shop', () => {
        throw new Error('a subscriber that fails');
      }, true);
      feed.subscribe('shop', (tail) => heard.push(tail), true);
      await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, 'shop:41']);
      await vi.waitFor(() => expect(heard.filter((tail) => tail === '0').length).toBeGreaterThanOrEqual(2));
      expect(heard).toContain('41');
    } finally {
      await feed.close();
      await pool.end();
    }
  });

  it('gives every log it watches its last position in one query at each safety check, and calls its other subscribers', async () => {
    const pool = new pg.Pool({ connectionString: cluster().url, max: 2 });
    const feed = new ChangeFeed({ pool, logger: silentLogger, safetyMs: 50 });
    try {
      await migrate(pool);
      await pool.query(`INSERT INTO letterbox_log (inbox, pos, record) VALUES ('shop', 3, '[]'), ('shop', 7, '[]'), ('billing', 2, '[]')`);
      await feed.start();
      const calls = new Map<string, Array<string | undefined>>();
      const watch = (name: string, safety: boolean) => feed.subscribe(name, (tail) => calls.set(name, [...(calls.get(name) ?? []), tail]), safety);
      const asks = vi.spyOn(pool, 'query');
      watch('shop', true);
      watch('empty', true);
      watch('!inboxes', true);
      watch('!releases:shop', false);
      await vi.waitFor(() => expect(calls.get('!inboxes')?.length ?? 0).toBeGreaterThanOrEqual(3));
      expect(calls.get('shop')?.slice(0, 3)).toEqual(['7', '7', '7']);
      expect(calls.get('empty')?.slice(0, 3)).toEqual(['0', '0', '0']);
      expect(calls.get('!inboxes')?.slice(0, 3)).toEqual([undefined, undefined, undefined]);
      expect(calls.has('!releases:shop')).toBe(false);
      // One query per check, for both logs; the log of an inbox nobody watches is not asked for.
      const checks = asks.mock.calls.length;
      expect(checks).toBeGreaterThanOrEqual(3);
      expect(checks).toBeLessThanOrEqual((calls.get('!inboxes')?.length ?? 0) + 1);
      for (const [query] of asks.mock.calls) expect((query as unknown as pg.QueryConfig).values).toEqual([['shop', 'empty']]);
    } finally {
      await feed.close();
      await pool.end();
    }
  });

  it('lets a node catch up on a change whose notification it never heard', async () => {
    const { url } = cluster();
    const writer = await openPgStore({ url, inbox: 'source', limits: { maxMessages: 0, maxBytes: 0 } });
    const reader = await openPgStore({ url, inbox: 'copy', limits: { maxMessages: 0, maxBytes: 0 }, safetyMs: 100 });
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const sent = await writer.deliver(mail(1));
      // The same change in the reader's inbox, written as no node writes: no NOTIFY goes with it.
      await pool.query(`INSERT INTO letterbox_bodies (inbox, id, raw) SELECT 'copy', id, raw FROM letterbox_bodies WHERE inbox = 'source'`);
      await pool.query(`INSERT INTO letterbox_log (inbox, pos, record) SELECT 'copy', pos, record FROM letterbox_log WHERE inbox = 'source'`);
      await vi.waitFor(() => expect(reader.get(sent.id)?.summary.subject).toBe('note 1'), { timeout: 5_000 });
      expect((await reader.readRaw(sent.id))?.toString()).toContain('body 1');
    } finally {
      await pool.end();
      await reader.close();
      await writer.close();
    }
  });
});
