import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/lib/log.js';
import { InProcessLocks, type NamedLocks } from '../../server/locks/named-locks.js';
import { PgAdvisoryLocks } from '../../server/locks/pg-advisory-locks.js';
import { hasPostgres } from '../helpers/postgres.js';
import { usePostgres } from '../helpers/use-postgres.js';

describe('InProcessLocks', () => {
  it('gives a name to one holder at a time, and again once it is let go', async () => {
    const locks = new InProcessLocks();
    const release = await locks.tryAcquire('bob');
    expect(release).toBeTypeOf('function');
    expect(await locks.tryAcquire('bob')).toBeUndefined();
    expect(await locks.tryAcquire('carol')).toBeTypeOf('function');
    release?.();
    release?.();
    const again = await locks.tryAcquire('bob');
    expect(again).toBeTypeOf('function');
    // Letting go twice does not free a lock someone else holds now.
    release?.();
    expect(await locks.tryAcquire('bob')).toBeUndefined();
  });
});

/** Shared holds as every implementation keeps them, for two holders that may be two nodes. */
async function sharedHolds(one: NamedLocks, two: NamedLocks): Promise<void> {
  const first = await one.share('folders /ivy@blue.example');
  const second = await two.share('folders /ivy@blue.example');
  const third = await one.share('folders /ivy@blue.example');
  // Held shared: nobody takes it exclusively, whichever side asks.
  expect(await one.tryAcquire('folders /ivy@blue.example')).toBeUndefined();
  expect(await two.tryAcquire('folders /ivy@blue.example')).toBeUndefined();
  first();
  first();
  second();
  expect(await two.tryAcquire('folders /ivy@blue.example')).toBeUndefined();
  third();
  // Let go by all: taken exclusively, and a share waits until that lets go.
  let exclusive = await two.tryAcquire('folders /ivy@blue.example');
  for (let tries = 0; !exclusive && tries < 1000; tries++) {
    await new Promise((resolve) => setImmediate(resolve));
    exclusive = await two.tryAcquire('folders /ivy@blue.example');
  }
  expect(exclusive).toBeTypeOf('function');
  let shared = false;
  const waiting = one.share('folders /ivy@blue.example').then((release) => {
    shared = true;
    return release;
  });
  const local = two.share('folders /ivy@blue.example').then((release) => {
    shared = true;
    return release;
  });
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(shared).toBe(false);
  exclusive?.();
  const [a, b] = await Promise.all([waiting, local]);
  a();
  b();
}

describe('InProcessLocks, shared', () => {
  it('lets any number share a name, which no one takes exclusively meanwhile; a share waits for an exclusive holder', async () => {
    const locks = new InProcessLocks();
    await sharedHolds(locks, locks);
  });
});

describe.runIf(hasPostgres())('PgAdvisoryLocks', () => {
  const cluster = usePostgres();

  it('puts one query at a time on its connection, however many sessions ask at once', async () => {
    // pg only queues overlapping queries on one client, with a warning (refused from pg@9).
    const warnings: string[] = [];
    const heard = (warning: Error) => warnings.push(warning.message);
    process.on('warning', heard);
    const locks = new PgAdvisoryLocks(cluster().url, silentLogger);
    try {
      const held = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? locks.share(`many-${i}`) : locks.tryAcquire(`many-${i}`))));
      for (const release of held) release?.();
      // Releases are queries too: one more lock waits for them all.
      expect(await locks.tryAcquire('many-0')).toBeInstanceOf(Function);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => /already executing a query/.test(message))).toEqual([]);
    } finally {
      process.off('warning', heard);
      await locks.close();
    }
  });

  /** The backends holding a Letterbox lock (the two-key form, in its namespace). */
  const holders = async () =>
    (await cluster().sql("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND classid = 1279393793 AND granted")).rows as Array<{ pid: number }>;

  it('shares a name across nodes and within one, which no node takes exclusively meanwhile; a share waits for an exclusive holder', async () => {
    const postgres = cluster();
    const nodeA = new PgAdvisoryLocks(postgres.url, silentLogger);
    const nodeB = new PgAdvisoryLocks(postgres.url, silentLogger);
    try {
      await sharedHolds(nodeA, nodeB);
      await sharedHolds(nodeB, nodeA);
      await sharedHolds(nodeA, nodeA);
      while ((await holders()).length > 0) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('gives up a share while another node holds the name exclusively past the wait, and the name stays usable', async () => {
    const postgres = cluster();
    const nodeA = new PgAdvisoryLocks(postgres.url, silentLogger, { shareWaitMs: 100 });
    const nodeB = new PgAdvisoryLocks(postgres.url, silentLogger);
    try {
      const stuck = await nodeB.tryAcquire('folders /stuck@blue.example');
      expect(stuck).toBeTypeOf('function');
      await expect(nodeA.share('folders /stuck@blue.example')).rejects.toThrow(/stayed held by another node for 100 ms/);
      stuck?.();
      const release = await nodeA.share('folders /stuck@blue.example');
      expect(await nodeB.tryAcquire('folders /stuck@blue.example')).toBeUndefined();
      release();
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('holds across nodes, within a node, and lets go on release, on close and when its connection is lost', async () => {
    const postgres = cluster();
    const nodeA = new PgAdvisoryLocks(postgres.url, silentLogger);
    const nodeB = new PgAdvisoryLocks(postgres.url, silentLogger);
    try {
      const held = await nodeA.tryAcquire('shop/bob@blue.example');
      expect(held).toBeTypeOf('function');
      expect(await nodeA.tryAcquire('shop/bob@blue.example')).toBeUndefined();
      expect(await nodeB.tryAcquire('shop/bob@blue.example')).toBeUndefined();
      const other = await nodeB.tryAcquire('shop/carol@blue.example');
      expect(other).toBeTypeOf('function');

      held?.();
      while ((await holders()).length > 1) await new Promise((resolve) => setImmediate(resolve));
      const taken = await nodeB.tryAcquire('shop/bob@blue.example');
      expect(taken).toBeTypeOf('function');

      // Node B's connection dies (a node killed, a network cut): the database lets its locks go.
      const [b] = await holders();
      await postgres.sql('SELECT pg_terminate_backend($1)', [b?.pid]);
      while ((await holders()).length > 0) await new Promise((resolve) => setImmediate(resolve));
      expect(await nodeA.tryAcquire('shop/bob@blue.example')).toBeTypeOf('function');

      await nodeA.close();
      expect(await holders()).toEqual([]);
      expect(await nodeA.tryAcquire('shop/dave@blue.example')).toBeUndefined();
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  }, 30_000);

  it('rejects when the database cannot be reached, so the caller can say "try again"', async () => {
    const locks = new PgAdvisoryLocks('postgres://u:pw@127.0.0.1:1/none', silentLogger);
    await expect(locks.tryAcquire('x')).rejects.toThrow();
    await locks.close();
  });
});
