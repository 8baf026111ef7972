import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BodyIndexer } from '../../../server/derived/body-indexer.js';
import { createLogger } from '../../../server/lib/log.js';
import { AsciiTextBody } from '../../../server/mime/ascii-text-body.js';
import { summaryOfText } from '../../../server/mime/body-text.js';
import type { PgStore } from '../../../server/store/postgres/pg-store.js';
import fc from 'fast-check';
import pg from 'pg';
import { MailboxView, RecentClaims } from '../../../server/imap/mailbox-view.js';
import type { FolderInfo } from '../../../server/store/folders.js';
import { BYTES_PER_READ } from '../../../server/store/postgres/body-reads.js';
import type { LogRecord } from '../../../server/store/postgres/log-record.js';
import { lockKey } from '../../../server/store/postgres/log-table.js';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import type { StoredMessage, StoreEvents } from '../../../server/store/types.js';
import { StoreUnavailableError } from '../../../server/store/unavailable.js';
import { hasPostgres, startPostgres, type Postgres } from '../../helpers/postgres.js';
import { clusterPicture, until } from './cluster-picture.js';

const LOGINS = ['*', 'bob@blue.example', 'alice@red.example'];

/** A message with bytes no text codec would keep: 8-bit, NUL, a bare CR, no final CRLF. */
const mail = (n: number) => Buffer.concat([Buffer.from(`From: alice@red.example\r\nTo: bob@blue.example\r\nSubject: note ${n}\r\n\r\n`), Buffer.from([0xe9, 0x00, 0x0d, 0xff, n % 256])]);

describe.runIf(hasPostgres())('PgStore: several nodes on one database', () => {
  let postgres: Postgres;
  let stores: PgStore[] = [];
  let inboxes = 0;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterEach(async () => {
    for (const store of stores) await store.close();
    stores = [];
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  /** Nodes of a sandbox of their own (an inbox per test, in the one database). */
  const sandbox = () => {
    const inbox = `cluster-${++inboxes}`;
    return async (url = postgres.url, options: { compactFloor?: number; pool?: pg.Pool; clock?: () => Date } = {}) => {
      // A slow safety timer: what a test sees travelled by NOTIFY.
      const store = await openPgStore({
        ...(options.pool ? { pool: options.pool } : { url }),
        inbox,
        limits: { maxMessages: 0, maxBytes: 0 },
        safetyMs: 600_000,
        compactFloor: options.compactFloor,
        clock: options.clock,
      });
      stores.push(store);
      return store;
    };
  };
  const deliver = (store: PgStore, n: number) => store.deliver({ raw: mail(n), envelope: { mailFrom: 'alice@red.example', rcptTo: ['bob@blue.example'] } });
  /**
   * Expects the nodes to hold the same sandbox. Reading a login without mail makes its
   * folders on the node that reads, with UIDVALIDITYs of that node's own clock, and logs
   * them (the first logged replaces the others everywhere): so each node reads, and all
   * catch up with what was logged, before they are compared.
   */
  const expectAgreed = async (...nodes: [PgStore, ...PgStore[]]) => {
    for (const n of nodes) clusterPicture(n, LOGINS);
    await Promise.all(nodes.map((n) => n.flushed()));
    await caughtUp(...nodes);
    for (const n of nodes.slice(1)) expect(clusterPicture(n, LOGINS)).toEqual(clusterPicture(nodes[0], LOGINS));
  };
  /** Resolves once the nodes hold the same log position: whichever moves last announces it. */
  const caughtUp = (...nodes: PgStore[]) => {
    const level = () => nodes.every((n) => n.position === nodes[0]?.position);
    return Promise.race(nodes.map((n) => until(n, level)));
  };

  it('shows a message delivered on one node on the other: same id, seq, UIDs, UIDVALIDITY, modseq, bytes, announced as remote', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const heard: Array<StoreEvents['delivered']> = [];
    b.on('delivered', (event) => heard.push(event));
    const local: Array<StoreEvents['delivered']> = [];
    a.on('delivered', (event) => local.push(event));
    const sent = await deliver(a, 1);
    await until(b, () => b.get(sent.id) !== undefined);
    const seen = b.get(sent.id) as StoredMessage;
    expect([seen.seq, seen.modseq, seen.size, seen.summary.subject]).toEqual([sent.seq, sent.modseq, sent.size, 'note 1']);
    expect(b.list({ limit: 10 }).items.map((m) => m.id)).toEqual([sent.id]);
    expect((await b.readRaw(sent.id))?.equals(mail(1))).toBe(true);
    expect(heard).toEqual([{ message: seen, remote: true }]);
    expect(local.map((e) => e.remote)).toEqual([undefined]);
    expect(b.folder('bob@blue.example', 'INBOX')?.entries.map((e) => e.uid)).toEqual([1]);
    await expectAgreed(a, b);
  });

  it('gives a login\'s folders the same special uses on a node that started a second later (its UIDVALIDITY counter ahead)', async () => {
    const node = sandbox();
    const now = Date.now();
    const [a, b] = [await node(undefined, { clock: () => new Date(now) }), await node(undefined, { clock: () => new Date(now + 1_000) })];
    await deliver(a, 1);
    await until(b, () => b.hasFolders('bob@blue.example'));
    const folders = (n: PgStore) => n.listFolders('bob@blue.example').map((f) => [f.name, f.specialUse, f.uidValidity]);
    expect(folders(b)).toEqual(folders(a));
    expect(folders(a)).toContainEqual(['Sent', '\\Sent', expect.any(Number)]);
  });

  it('carries flags, tags, folders, copies, moves and removals made on either node to the other', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const [one, two] = [await deliver(a, 1), await deliver(a, 2)];
    await caughtUp(b, a);
    const flagged = new Promise<StoreEvents['flags']>((resolve) => a.on('flags', resolve));
    await b.setFlags([one.id], 'add', ['\\Seen', '\\Flagged']);
    expect([...((await flagged).messages[0]?.flags ?? [])].sort()).toEqual(['\\Flagged', '\\Seen']);
    await b.setTags([two.id], ['billing']);
    await b.createFolder('bob@blue.example', 'Archive');
    await b.copyToFolder('bob@blue.example', 'Archive', [b.get(one.id) as StoredMessage]);
    await b.moveToFolder('bob@blue.example', 'INBOX', [2], 'Archive');
    await b.subscribeFolder('bob@blue.example', 'Archive', true);
    const removed = new Promise<StoreEvents['removed']>((resolve) => a.on('removed', resolve));
    await b.remove([one.id], 'deleted');
    expect((await removed).reason).toBe('deleted');
    await caughtUp(a, b);
    expect(a.get(one.id)).toBeUndefined();
    expect(await a.readRaw(one.id)).toBeUndefined();
    expect(a.get(two.id)?.tags).toEqual(['billing']);
    expect(a.folder('bob@blue.example', 'Archive')?.entries.map((e) => e.message.id)).toEqual([two.id]);
    await expectAgreed(b, a);
    // And back the other way, after a catch-up of the writer itself.
    const mod = await a.nextModseq(5);
    await a.setBody(two.id, { snippet: 'hello', attachments: 0, inline: 0, searchText: 'hello' });
    await caughtUp(b, a);
    expect(b.modseq).toBe(mod);
    expect(b.get(two.id)?.body?.snippet).toBe('hello');
    await expectAgreed(a, b);
  });

  it('numbers concurrent deliveries on two nodes once, without gaps or duplicates, identically on both', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const each = 200;
    const sent = await Promise.all([...Array.from({ length: each }, (_, i) => deliver(a, i)), ...Array.from({ length: each }, (_, i) => deliver(b, each + i))]);
    await caughtUp(a, b);
    const seqs = a.messages().map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 2 * each }, (_, i) => i + 1));
    expect(new Set(sent.map((m) => m.id)).size).toBe(2 * each);
    expect(b.folder('bob@blue.example', 'INBOX')?.entries.map((e) => e.uid)).toEqual(seqs);
    await expectAgreed(a, b);
    const { rows } = await postgres.sql('SELECT count(*)::int AS n FROM letterbox_bodies WHERE inbox = $1', [`cluster-${inboxes}`]);
    expect(rows[0]).toEqual({ n: 2 * each });
  });

  it('keeps every byte of every message of a batch of any size, with bodies and subjects that would bend a literal', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const odd = (n: number) =>
      n % 3 === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from(`Subject: $j$ ' \\ ${n} $j\r\n\r\n`), every.subarray(n % 256), Buffer.from([0x00, 0xff])]);
    for (const size of [1, 2, 3, 7, 64, 257]) {
      const raws = Array.from({ length: size }, (_, i) => odd(size + i));
      const sent = await Promise.all(raws.map((raw) => a.deliver({ raw, envelope: { mailFrom: "o'brien@red.example", rcptTo: ['bob@blue.example'] } })));
      await caughtUp(a, b);
      // Read from the database: b has none of them in its body cache.
      const read = await Promise.all(sent.map((m) => b.readRaw(m.id)));
      expect(read.map((raw, i) => raw?.equals(raws[i] as Buffer))).toEqual(raws.map(() => true));
    }
    await expectAgreed(a, b);
  });

  it('reads the bodies asked for at once in few queries, bounded in count and in bytes', async () => {
    const node = sandbox();
    const a = await node();
    const small = await Promise.all(Array.from({ length: 300 }, (_, i) => deliver(a, i)));
    // 3 MiB each: two fit in one query's BYTES_PER_READ, the third goes in the next.
    const big = Buffer.alloc(3 * 1024 * 1024, 'a');
    const bigs = await Promise.all([0, 1, 2].map(() => a.deliver({ raw: big, envelope: { mailFrom: 'alice@red.example', rcptTo: ['bob@blue.example'] } })));
    expect(2 * big.length <= BYTES_PER_READ && 3 * big.length > BYTES_PER_READ).toBe(true);
    // A second node, on a pool that counts the ids each body query asks for: its cache holds none of them.
    const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
    const asked: number[] = [];
    const query = pool.query.bind(pool) as (text: string, values?: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = (text, values) => {
      if (typeof text === 'string' && text.includes('FROM letterbox_bodies')) asked.push((values?.[1] as string[]).length);
      return query(text, values);
    };
    const b = await openPgStore({ pool, inbox: `cluster-${inboxes}`, limits: { maxMessages: 0, maxBytes: 0 }, safetyMs: 600_000 });
    try {
      const read = await Promise.all(small.map((m) => b.readRaw(m.id)));
      expect(read.map((raw, i) => raw?.equals(mail(i)))).toEqual(small.map(() => true));
      expect(asked).toEqual([256, 44]);
      asked.length = 0;
      const readBig = await Promise.all(bigs.map((m) => b.readRaw(m.id)));
      expect(readBig.map((raw) => raw?.equals(big))).toEqual([true, true, true]);
      expect(asked).toEqual([2, 1]);
    } finally {
      await b.close();
      await pool.end();
    }
  });

  /** The inbox's log as it is in the database: the records it holds, and the position its first row's snapshot stands for. */
  const logOf = async (inbox: string) => {
    const { rows } = await postgres.sql('SELECT pos, record FROM letterbox_log WHERE inbox = $1 ORDER BY pos', [inbox]);
    const records = rows.flatMap((r: { record: unknown }) => (Array.isArray(r.record) ? r.record : [r.record])) as Array<{ t: string; at?: number }>;
    return { records: records.length, snapshotAt: records[0]?.t === 'snapshot' ? records[0].at : undefined };
  };
  /** Churn: messages delivered, flagged, filed, then most of them removed. */
  const churn = async (store: PgStore, from: number, count: number) => {
    const sent = await Promise.all(Array.from({ length: count }, (_, i) => deliver(store, from + i)));
    await store.setFlags(sent.map((m) => m.id), 'add', ['\\Seen']);
    await store.copyToFolder('bob@blue.example', 'Archive', sent.slice(0, 3));
    await store.remove(sent.slice(3, -2).map((m) => m.id), 'deleted');
    return sent;
  };

  it('compacts a long log into a snapshot that a node started later loads; the nodes write on, and a later compaction replaces it', async () => {
    const node = sandbox();
    const inbox = `cluster-${inboxes}`;
    const [a, b] = [await node(postgres.url, { compactFloor: 20 }), await node(postgres.url, { compactFloor: 20 })];
    await a.createFolder('bob@blue.example', 'Archive');
    const kept = await churn(a, 0, 40);
    await a.setBody(kept[0]?.id ?? '', { snippet: 'first', attachments: 0, inline: 0, searchText: 'first words' });
    // The compaction starts after a commit; flushed() waits for it too.
    await a.flushed();
    const once = await logOf(inbox);
    expect(once.snapshotAt).toBeGreaterThan(0);
    expect(once.records).toBeLessThan(a.position);
    await caughtUp(a, b);
    const late = await node();
    expect(late.position).toBe(a.position);
    await expectAgreed(a, late);
    await expectAgreed(a, b);
    expect(late.get(kept[0]?.id ?? '')?.body?.snippet).toBe('first');
    expect((await late.readRaw(kept[1]?.id ?? ''))?.equals(mail(1))).toBe(true);
    // UIDs, seqs and mod-sequences go on from where they were, on every node.
    const next = await deliver(late, 100);
    expect(next.seq).toBe(41);
    expect(next.modseq).toBeGreaterThan(a.modseq - 1);
    await churn(b, 200, 40);
    await b.flushed();
    await caughtUp(a, b, late);
    const twice = await logOf(inbox);
    expect(twice.snapshotAt).toBeGreaterThan(once.snapshotAt ?? 0);
    await expectAgreed(b, a);
    await expectAgreed(b, late);
    const again = await node();
    await expectAgreed(b, again);
  });

  it('compacts after any sequence of writes into a snapshot that rebuilds the same sandbox (generated sequences)', async () => {
    const LOGIN = 'bob@blue.example';
    const op = fc.oneof(
      fc.record({ t: fc.constant('deliver' as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ t: fc.constant('flag' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('tag' as const), pick: fc.nat(), tag: fc.constantFrom('a', 'b') }),
      fc.record({ t: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('copy' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('expunge' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('folder' as const), name: fc.constantFrom('Archive', 'Later') }),
      fc.record({ t: fc.constant('modseq' as const) }),
      fc.record({ t: fc.constant('clear' as const) }),
    );
    let n = 0;
    let compacted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 30 }), async (ops) => {
        const node = sandbox();
        // A floor of 0: nearly every write is followed by a compaction.
        const a = await node(postgres.url, { compactFloor: 0 });
        await a.createFolder(LOGIN, 'Archive');
        const picked = (pick: number) => a.messages()[pick % Math.max(1, a.messages().length)];
        for (const o of ops) {
          const m = 'pick' in o ? picked(o.pick) : undefined;
          if (o.t === 'deliver') await Promise.all(Array.from({ length: o.n }, () => deliver(a, ++n)));
          else if (o.t === 'flag' && m) await a.setFlags([m.id], 'add', ['\\Seen']);
          else if (o.t === 'tag' && m) await a.setTags([m.id], [o.tag]);
          else if (o.t === 'remove' && m) await a.remove([m.id], 'deleted');
          else if (o.t === 'copy' && m) await a.copyToFolder(LOGIN, 'Archive', [m]);
          else if (o.t === 'expunge' && m) {
            const entry = a.folder(LOGIN, 'INBOX')?.entries.find((e) => e.message.id === m.id);
            if (entry) await a.expunge(LOGIN, 'INBOX', [entry.uid]);
          } else if (o.t === 'folder') await a.createFolder(LOGIN, o.name);
          else if (o.t === 'modseq') await a.nextModseq(3);
          else if (o.t === 'clear') await a.clear();
        }
        // Reading every login's folders makes those not made yet, and logs them: the late node
        // must find them in the log, not make its own (with UIDVALIDITYs of its own clock).
        clusterPicture(a, LOGINS);
        await a.flushed();
        if ((await logOf(`cluster-${inboxes}`)).snapshotAt !== undefined) compacted++;
        const late = await node();
        await expectAgreed(a, late);
        // And what each hands out next agrees (a delivery last: a node announces it, not a mod-sequence).
        const modseq = await late.nextModseq();
        const next = await deliver(late, ++n);
        await caughtUp(a, late);
        expect(a.get(next.id)?.seq).toBe(next.seq);
        expect(next.modseq).toBeGreaterThan(modseq);
        expect(a.modseq).toBe(late.modseq);
        for (const store of stores.splice(0)) await store.close();
      }),
      { numRuns: 25 },
    );
    // The property is about compacted logs: most sequences end in one (18 to 24 of 25 in trials).
    expect(compacted).toBeGreaterThan(10);
  }, 60_000);

  it('rebuilds a node that was behind when another compacted the log, announces what changed meanwhile, and it writes on', async () => {
    const node = sandbox();
    // Node b reads the log through a pool the test can hold back, so it misses what a does meanwhile.
    let held: Promise<void> | undefined;
    const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
    const query = pool.query.bind(pool) as (text: string, values?: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = async (text, values) => {
      await held;
      return query(text, values);
    };
    try {
      const a = await node(postgres.url, { compactFloor: 20 });
      await a.createFolder('bob@blue.example', 'Archive');
      const early = [await deliver(a, 100), await deliver(a, 101)];
      const b = await node(postgres.url, { pool });
      const behind = b.position;
      // An IMAP session's view of bob's INBOX on b, from before b falls behind.
      const view = new MailboxView(b, 'bob@blue.example', b.folder('bob@blue.example', 'INBOX') as FolderInfo, false, new RecentClaims(b));
      expect(view.uids).toEqual([1, 2]);
      const heard = { delivered: [] as string[], removed: [] as string[], unfiled: [] as number[] };
      b.on('delivered', ({ message }) => heard.delivered.push(message.id));
      b.on('removed', ({ messages }) => heard.removed.push(...messages.map((m) => m.id)));
      b.on('unfiled', ({ login, folder, uids }) => login === 'bob@blue.example' && folder === 'INBOX' && heard.unfiled.push(...uids));
      let release = () => undefined as void;
      held = new Promise<void>((resolve) => (release = resolve));
      await a.remove([early[0]?.id ?? ''], 'deleted');
      const sent = await churn(a, 0, 40);
      await a.flushed();
      expect((await logOf(`cluster-${inboxes}`)).snapshotAt).toBeGreaterThan(behind);
      expect(b.position).toBe(behind);
      release();
      await caughtUp(a, b);
      await expectAgreed(a, b);
      // What the snapshot folded together, told as it would have been: one removal, the survivors of the churn.
      expect(heard.removed).toEqual([early[0]?.id]);
      expect(heard.unfiled).toEqual([1]);
      expect(heard.delivered.sort()).toEqual([...sent.slice(0, 3), ...sent.slice(-2)].map((m) => m.id).sort());
      // The session is told: uid 1 expunged, the survivors of the churn arrived.
      const told = view.drain(true);
      expect(told.filter((u) => u.kind === 'expunge').map((u) => u.kind === 'expunge' && u.uid)).toEqual([1]);
      expect(view.uids).toEqual(b.folder('bob@blue.example', 'INBOX')?.entries.map((e) => e.uid));
      // A flag set after the rebuild shows on the message the session has held since before it.
      await a.setFlags([early[1]?.id ?? ''], 'add', ['\\Flagged']);
      await caughtUp(a, b);
      const flags = view.drain(true).flatMap((u) => (u.kind === 'flags' ? [[u.uid, [...u.message.flags]]] : []));
      expect(flags).toEqual([[2, ['\\Flagged']]]);
      view.close();
      const written = await deliver(b, 300);
      await caughtUp(a, b);
      expect(a.get(written.id)?.seq).toBe(43);
      await expectAgreed(b, a);
    } finally {
      for (const store of stores.splice(0)) await store.close();
      await pool.end();
    }
  });

  it('starts a node whose reading of the log another node compacts halfway through', async () => {
    const node = sandbox();
    const a = await node(postgres.url, { compactFloor: 0 });
    // More records than one page of the log, so the start reads it in two queries.
    const sent: StoredMessage[] = [];
    for (let i = 0; i < 5_200; i += 400) sent.push(...(await Promise.all(Array.from({ length: 400 }, (_, k) => deliver(a, i + k)))));
    // The starting node's second page of the log waits until the test lets it go.
    const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
    const query = pool.query.bind(pool) as (config: unknown, values?: unknown[]) => Promise<unknown>;
    let pages = 0;
    let reached = () => undefined as void;
    const secondPage = new Promise<void>((resolve) => (reached = resolve));
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    (pool as unknown as { query: typeof query }).query = async (config, values) => {
      if ((config as { name?: string }).name === 'letterbox-read-log' && ++pages === 2) {
        reached();
        await held;
      }
      return query(config, values);
    };
    try {
      const starting = node(postgres.url, { pool });
      await secondPage;
      await a.remove(sent.slice(0, 5_000).map((m) => m.id), 'deleted');
      await a.flushed();
      expect((await logOf(`cluster-${inboxes}`)).snapshotAt).toBeGreaterThan(0);
      release();
      const c = await starting;
      await caughtUp(a, c);
      await expectAgreed(a, c);
      expect(c.stats().messages).toBe(200);
    } finally {
      for (const store of stores.splice(0)) await store.close();
      await pool.end();
    }
  }, 60_000);

  it('holds up no write while it compacts: the other node and the compacting one commit beside it', async () => {
    const node = sandbox();
    const inbox = `cluster-${inboxes}`;
    const a = await node(postgres.url, { compactFloor: 20 });
    const b = await node(postgres.url, { compactFloor: 1_000_000 });
    await a.createFolder('bob@blue.example', 'Archive');
    // A row lock on the log's first row: the compaction's DELETE waits on it, holding the locks it took.
    const blocker = await postgres.connect();
    let unblocked = false;
    const unblock = async () => {
      if (unblocked) return;
      unblocked = true;
      await blocker.query('ROLLBACK');
      await blocker.end();
    };
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pos FROM letterbox_log WHERE inbox = $1 ORDER BY pos LIMIT 1 FOR UPDATE', [inbox]);
      await churn(a, 0, 40);
      await vi.waitFor(
        async () => {
          const { rows } = await postgres.sql("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM letterbox_log%'");
          expect(rows).toHaveLength(1);
        },
        { timeout: 20_000, interval: 20 },
      );
      // Both nodes write while the compaction waits; a bound only so that a wait fails here, not in cleanup.
      const writes = Promise.all([deliver(b, 100), deliver(a, 101)]);
      const bound = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 20_000).unref());
      const written = await Promise.race([writes, bound]);
      expect(written).not.toBe('still waiting');
      const [fromB, fromA] = written as [StoredMessage, StoredMessage];
      await caughtUp(a, b);
      expect([a.get(fromB.id)?.seq, b.get(fromA.id)?.seq].sort()).toEqual([41, 42]);
      expect((await logOf(inbox)).snapshotAt).toBeUndefined();
    } finally {
      await unblock();
    }
    await a.flushed();
    const log = await logOf(inbox);
    // The snapshot ends where a stood when it took it, before the writes made beside it.
    expect(log.snapshotAt).toBeGreaterThan(0);
    expect(log.snapshotAt).toBeLessThan(a.position);
    await caughtUp(a, b);
    const late = await node();
    expect(late.position).toBe(a.position);
    await expectAgreed(a, late);
    await expectAgreed(a, b);
  });

  it('brings a node started later up to date from the log', async () => {
    const node = sandbox();
    const a = await node();
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver(a, i)));
    await a.setFlags([sent[3]?.id ?? ''], 'add', ['\\Seen']);
    await a.remove([sent[5]?.id ?? ''], 'deleted');
    await a.createFolder('bob@blue.example', 'Later');
    const late = await node();
    expect(late.position).toBe(a.position);
    await expectAgreed(a, late);
    expect((await late.readRaw(sent[7]?.id ?? ''))?.equals(mail(7))).toBe(true);
  });

  it('agrees on the UIDVALIDITY of folders a read made on one node', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const made = b.listFolders('dave@blue.example').map((f) => [f.name, f.uidValidity]);
    const logged = new Promise<void>((resolve) => a.on('folders', ({ login }) => login === 'dave@blue.example' && resolve()));
    await b.flushed();
    await logged;
    expect(a.listFolders('dave@blue.example').map((f) => [f.name, f.uidValidity])).toEqual(made);
  });

  it("opens a login's folders once for the cluster: two nodes opening them at once show the same before either resolves", async () => {
    const node = sandbox();
    // Clocks a day apart: folders each node made for itself could not share a UIDVALIDITY by chance.
    const [a, b] = [await node(), await node(postgres.url, { clock: () => new Date(Date.now() + 86_400_000) })];
    const logins = ['fred@blue.example', 'gina@blue.example', 'hal@blue.example'];
    await Promise.all(logins.flatMap((login) => [a.openFolders(login), b.openFolders(login)]));
    for (const login of logins) {
      const shown = (n: PgStore) => n.listFolders(login).map((f) => [f.name, f.uidValidity]);
      expect(shown(a)).toContainEqual(['INBOX', expect.any(Number)]);
      expect(shown(b)).toEqual(shown(a));
    }
    // Made once: one folders record per login in the log.
    const logged = await postgres.sql('SELECT record FROM letterbox_log WHERE inbox = $1', [`cluster-${inboxes}`]);
    const records = logged.rows.flatMap((r: { record: LogRecord | LogRecord[] }) => (Array.isArray(r.record) ? r.record : [r.record]));
    expect(records.filter((r) => r.t === 'folders').map((r) => r.t === 'folders' && r.login).sort()).toEqual(logins);
    // Opened again, on either node: nothing more to write.
    await Promise.all(logins.flatMap((login) => [a.openFolders(login), b.openFolders(login)]));
    expect((await postgres.sql('SELECT count(*)::int AS n FROM letterbox_log WHERE inbox = $1', [`cluster-${inboxes}`])).rows[0].n).toBe(logged.rows.length);
  });

  it('forgets on every node a login no client opened once mail left it, keeps one opened on either node, and agrees on folders made again', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    await b.openFolders('carol@blue.example');
    const to = (store: PgStore, n: number, login: string) => store.deliver({ raw: mail(n), envelope: { mailFrom: 'alice@red.example', rcptTo: [login] } });
    const [forDan, forCarol] = [await to(a, 1, 'dan@blue.example'), await to(a, 2, 'carol@blue.example')];
    await caughtUp(a, b);
    const validity = (store: PgStore, login: string) => store.folder(login, 'INBOX')?.uidValidity;
    const [dan, carol] = [validity(b, 'dan@blue.example') as number, validity(b, 'carol@blue.example')];
    await a.remove([forDan.id, forCarol.id]);
    await caughtUp(b, a);
    for (const each of [a, b]) {
      expect(each.hasFolders('dan@blue.example')).toBe(false);
      expect(each.hasFolders('alice@red.example')).toBe(false);
      expect(validity(each, 'carol@blue.example')).toBe(carol);
    }
    const again = await to(b, 3, 'dan@blue.example');
    await caughtUp(a, b);
    expect(validity(a, 'dan@blue.example')).toBeGreaterThan(dan);
    expect(validity(a, 'dan@blue.example')).toBe(validity(b, 'dan@blue.example'));
    expect(a.folder('dan@blue.example', 'INBOX')?.entries.map((e) => [e.uid, e.message.id])).toEqual([[1, again.id]]);
    const late = await node();
    expect(validity(late, 'dan@blue.example')).toBe(validity(a, 'dan@blue.example'));
    await late.remove([again.id]);
    await caughtUp(a, b, late);
    expect([a, b, late].map((each) => each.hasFolders('dan@blue.example'))).toEqual([false, false, false]);
    expect(validity(late, 'carol@blue.example')).toBe(carol);
  });

  it("shares a body summary that reads the message's own bytes (plain ASCII text) with the other node, its search text in the database", async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const raw = Buffer.from('From: alice@red.example\r\nSubject: ascii\r\n\r\nPlain words, Nothing Else.\r\n');
    const sent = await a.deliver({ raw, envelope: { mailFrom: 'alice@red.example', rcptTo: ['bob@blue.example'] } });
    await a.setBody(sent.id, AsciiTextBody.of(raw, raw.indexOf('\r\n\r\n') + 4) as AsciiTextBody);
    await until(b, () => b.get(sent.id)?.body !== undefined);
    expect(b.get(sent.id)?.body).toEqual({ snippet: 'Plain words, Nothing Else.', attachments: 0, inline: 0 });
    expect(a.get(sent.id)?.body).toEqual(b.get(sent.id)?.body);
    expect(await b.bodiesContaining('words, nothing else. ')).toEqual(new Set([sent.id]));
  });

  it("keeps no search text in any node's index, nor in the log: only in letterbox_body_text", async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const message = await deliver(a, 1);
    const text = `Quarterly report ${'and many more words '.repeat(500)}`;
    await a.setBody(message.id, summaryOfText(text, 2, 1));
    await until(b, () => b.get(message.id)?.body !== undefined);
    for (const each of [a, b]) {
      const body = each.get(message.id)?.body;
      expect(body).toEqual({ snippet: expect.stringMatching(/^Quarterly report and many/), attachments: 2, inline: 1 });
      expect(JSON.stringify(body).length).toBeLessThan(400);
      expect(await each.bodiesContaining('words and many')).toEqual(new Set([message.id]));
      expect(await each.bodiesContaining('words and many', [message.id])).toEqual(new Set([message.id]));
      expect(await each.bodiesContaining('words and many', ['another'])).toEqual(new Set());
    }
    const logged = await postgres.sql('SELECT record FROM letterbox_log WHERE inbox = $1', [`cluster-${inboxes}`]);
    const bodies = logged.rows.flatMap((r: { record: Array<{ t: string; body?: object }> }) => r.record.filter((record) => record.t === 'body'));
    expect(bodies.map((record) => Object.keys(record.body ?? {}).sort())).toEqual([['attachments', 'inline', 'snippet']]);
    const stored = await postgres.sql("SELECT id, convert_from(folded, 'UTF8') AS text FROM letterbox_body_text WHERE inbox = $1", [`cluster-${inboxes}`]);
    expect(stored.rows).toEqual([{ id: message.id, text: summaryOfText(text, 0, 0).searchText }]);
  });

  it('logs the folders a read made before a message filed in them, when both go in one batch', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    // Queued first, applied after the read below has made erin's folders on b.
    const delivered = b.deliver({ raw: mail(1), envelope: { mailFrom: 'alice@red.example', rcptTo: ['erin@blue.example'] } });
    const made = b.listFolders('erin@blue.example').map((f) => [f.name, f.uidValidity]);
    const message = await delivered;
    await b.flushed();
    await caughtUp(a, b);
    expect(a.listFolders('erin@blue.example').map((f) => [f.name, f.uidValidity])).toEqual(made);
    expect(a.folder('erin@blue.example', 'INBOX')?.entries.map((e) => e.message.id)).toEqual([message.id]);
    // Logins with mail only: reading another login's folders would make them, on each node apart.
    const logins = ['*', 'alice@red.example', 'erin@blue.example'];
    expect(clusterPicture(a, logins)).toEqual(clusterPicture(b, logins));
  });

  it('settles a write queued at any moment while the writer finishes the one before', async () => {
    const node = sandbox();
    const a = await node();
    for (let ticks = 0; ticks < 12; ticks++) {
      const message = await deliver(a, ticks);
      for (let t = 0; t < ticks; t++) await Promise.resolve();
      expect(await a.setTags([message.id], [`after ${ticks} ticks`])).toHaveLength(1);
    }
    expect(a.tags()).toHaveLength(12);
  });

  it('catches up by itself when its listening connection is lost', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    await postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN letterbox'");
    // Sent while b may not be listening: b hears of it by catching up once it listens again.
    const sent = await deliver(a, 1);
    await until(b, () => b.get(sent.id) !== undefined);
    const later = await deliver(a, 2);
    await until(b, () => b.get(later.id) !== undefined);
    await expectAgreed(a, b);
  });

  it('rejects a write the database refuses and keeps the index equal to the log', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    await deliver(a, 1);
    await postgres.sql('ALTER TABLE letterbox_log ADD CONSTRAINT frozen CHECK (false) NOT VALID');
    try {
      const events: string[] = [];
      a.on('delivered', () => events.push('delivered'));
      await expect(deliver(a, 2)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(a.setFlags([a.messages()[0]?.id ?? ''], 'add', ['\\Seen'])).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(events).toEqual([]);
      expect(a.stats().messages).toBe(1);
      const fresh = await node();
      // Logins with mail only: nothing can be logged now, and a read of another login would make its folders on each node apart.
      const logins = ['*', 'bob@blue.example'];
      expect(clusterPicture(a, logins)).toEqual(clusterPicture(fresh, logins));
    } finally {
      await postgres.sql('ALTER TABLE letterbox_log DROP CONSTRAINT frozen');
    }
    const after = await deliver(a, 3);
    await until(b, () => b.get(after.id) !== undefined);
    expect(b.messages().map((m) => m.seq)).toEqual([1, 2]);
  });

  it('stores a body summary the database refused once it takes writes again, for every node', async () => {
    const node = sandbox();
    const [a, b] = [await node(), await node()];
    const sent = await deliver(a, 1);
    await until(b, () => b.get(sent.id) !== undefined);
    await postgres.sql('ALTER TABLE letterbox_log ADD CONSTRAINT frozen CHECK (false) NOT VALID');
    let refusals = 0;
    let heard: () => void = () => undefined;
    const refused = new Promise<void>((resolve) => (heard = resolve));
    const logger = createLogger({ level: 'warn', format: 'json', write: (line) => /could not store the body summary/.test(line) && ++refusals && heard() });
    // The node that took the message indexes it, once for the cluster: the write is refused.
    const indexer = new BodyIndexer(a, logger);
    try {
      await refused;
    } finally {
      await postgres.sql('ALTER TABLE letterbox_log DROP CONSTRAINT frozen');
    }
    try {
      await indexer.idle();
      await until(b, () => b.get(sent.id)?.body !== undefined);
      expect([refusals > 0, a.get(sent.id)?.body, b.get(sent.id)?.body]).toEqual([true, expect.objectContaining({ snippet: expect.any(String) }), expect.objectContaining({ snippet: expect.any(String) })]);
    } finally {
      await indexer.stop();
    }
  });

  it('rejects a write whose connection is killed while it waits for the cluster lock, then carries on', async () => {
    const node = sandbox();
    const a = await node();
    await deliver(a, 1);
    // Another session holds the lock, so the write waits where it can be found and killed.
    const holder = await postgres.connect();
    const inbox = `cluster-${inboxes}`;
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(inbox)]);
    const pending = deliver(a, 2).then(
      () => undefined,
      (error: unknown) => error,
    );
    let pid: number | undefined;
    while (pid === undefined) {
      // Asked outside the holder's transaction: inside one, pg_stat_activity is read once and
      // kept until it ends, so a write that had not reached the lock yet would never show.
      const { rows } = await postgres.sql("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'");
      pid = (rows[0] as { pid: number } | undefined)?.pid;
    }
    await holder.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await pending).toBeInstanceOf(StoreUnavailableError);
    await holder.query('COMMIT');
    await holder.end();
    expect(a.stats().messages).toBe(1);
    const next = await deliver(a, 3);
    expect(next.seq).toBe(2);
    const fresh = await node();
    await expectAgreed(a, fresh);
  });
});
