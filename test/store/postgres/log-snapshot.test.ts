import { describe, expect, it } from 'vitest';
import { summaryOfText } from '../../../server/mime/body-text.js';
import { MemoryStore } from '../../../server/store/memory-store.js';
import { indexedBody } from '../../../server/store/postgres/body-text.js';
import { applyRecords } from '../../../server/store/postgres/log-replay.js';
import { snapshotRecords } from '../../../server/store/postgres/log-snapshot.js';
import { clusterPicture } from './cluster-picture.js';

const LOGINS = ['*', 'alice@red.example', 'user0@blue.example', 'user7@blue.example'];
const index = () => new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 }, keepBytes: false, clock: () => new Date(Date.UTC(2026, 11, 1)) });

describe("a snapshot of a node's index", () => {
  it('lets the event loop turn while it takes a large index, and rebuilds the same index', async () => {
    const store = index();
    for (let i = 0; i < 2_500; i++) {
      const raw = Buffer.from(`From: alice@red.example\r\nSubject: note ${i}\r\n\r\nbody ${i}\r\n`);
      const message = await store.deliver({ raw, envelope: { mailFrom: 'alice@red.example', rcptTo: [`user${i % 10}@blue.example`] } });
      if (i % 3 === 0) await store.setBody(message.id, indexedBody(summaryOfText(`body ${i}`, 0, 0)));
      if (i % 5 === 0) await store.setFlags([message.id], 'add', ['\\Seen']);
    }
    let turns = 0;
    let taking = true;
    const tick = () => {
      turns++;
      if (taking) setImmediate(tick);
    };
    setImmediate(tick);
    const records = await snapshotRecords(store);
    taking = false;
    // A turn after each thousand messages at least: reads are answered meanwhile.
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(records.filter((r) => r.t === 'msg')).toHaveLength(2_500);
    const rebuilt = index();
    applyRecords(rebuilt, records, () => undefined);
    expect(clusterPicture(rebuilt, LOGINS)).toEqual(clusterPicture(store, LOGINS));
  });
});
