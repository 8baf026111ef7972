import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../server/lib/log.js';
import { makeDurable } from '../../../server/store/journal/durable-store.js';
import { decodeRecords } from '../../../server/store/journal/record-codec.js';
import { MemoryStore } from '../../../server/store/memory-store.js';
import { storedBytes } from '../../helpers/stored-bytes.js';
import { picture } from './store-picture.js';

const MAX_MESSAGES = 20;
const FLOOR = 64 * 1024;
const filler = 'x'.repeat(2_000);
const mail = (n: number) => Buffer.from(`From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: churn ${n}\r\n\r\n${filler} ${n}\r\n`);

describe('journal compaction while running', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-compaction-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function open() {
    const store = new MemoryStore({ limits: { maxMessages: MAX_MESSAGES, maxBytes: 0 } });
    const durable = await makeDurable(store, dir, silentLogger, { compactionFloor: FLOOR });
    return { store, durable };
  }

  it('stays bounded under churn, and a restart brings back exactly the live messages', async () => {
    const { store, durable } = await open();
    const path = join(dir, 'journal.lbx');
    let written = 0;
    let largest = 0;
    for (let n = 0; n < 50 * MAX_MESSAGES; n++) {
      const message = await store.deliver({ raw: mail(n), envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } });
      written += (await store.readRaw(message.id))?.length ?? 0;
      // Flags flipped over and over: records that a compacted journal no longer needs.
      const older = store.messages()[n % store.messages().length]!;
      await store.setFlags([older.id], n % 2 === 0 ? 'add' : 'remove', ['\\Seen']);
      await store.setTags([older.id], [`round-${n % 5}`]);
      // Awaiting each commit as the SMTP front does lets compactions run between deliveries.
      await store.flushed();
      largest = Math.max(largest, (await stat(path)).size);
    }
    await durable.compacted();
    const live = store.stats().bytes;
    const before = await picture(store);
    await durable.close();

    // Compaction starts past FLOOR + 2 × live (plus a record's JSON each); deliveries go
    // on while it runs, so allow that much again, yet far below all that was written.
    expect(written).toBeGreaterThan(10 * (FLOOR + 2 * live));
    expect(largest).toBeLessThan(2 * (FLOOR + 3 * live));
    // The file holds the live messages and little else.
    const records = decodeRecords(await readFile(path)).records;
    expect(records.filter((r) => r.t === 'msg').length).toBeLessThan(3 * MAX_MESSAGES);

    const second = await open();
    expect(await picture(second.store)).toEqual(before);
    expect((await storedBytes(second.store)).map(String)).toEqual(before.messages.map((m) => Buffer.from(m.raw ?? '', 'base64').toString()));
    await second.durable.close();
  });

  it('keeps the changes made while a compaction is writing', async () => {
    const { store, durable } = await open();
    for (let n = 0; n < 200; n++) store.deliver({ raw: mail(n), envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } });
    // The growth above has scheduled a compaction; it starts once this turn is over and
    // writes its snapshot over several turns. Everything below lands while it runs.
    await Promise.resolve();
    // More than the writer copies over in its final step (256 KiB), so it catches up first.
    // Delivered in this same turn (the store takes each at once), so they land mid-compaction.
    for (let n = 0; n < 150; n++) void store.deliver({ raw: mail(1_000 + n), envelope: { mailFrom: 'carol@red.com', rcptTo: ['dave@blue.com'] } });
    await store.setFlags([store.latest()!.id], 'add', ['\\Flagged']);
    await store.expunge('dave@blue.com', 'INBOX', [1]);
    await store.flushed();
    await durable.compacted();
    const before = await picture(store);
    await durable.close();
    // It did compact: of the first 200 deliveries only the live ones' records are left.
    const records = decodeRecords(await readFile(join(dir, 'journal.lbx'))).records;
    expect(records.filter((r) => r.t === 'msg').length).toBeLessThanOrEqual(MAX_MESSAGES + 150);

    const second = await open();
    expect(await picture(second.store)).toEqual(before);
    await second.durable.close();
  });
});
