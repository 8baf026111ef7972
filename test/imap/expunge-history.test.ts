import { describe, expect, it } from 'vitest';
import { ExpungeHistory } from '../../server/imap/expunge-history.js';
import { MemoryStore } from '../../server/store/memory-store.js';

const LOGIN = 'bob@blue.example';
const LIMITS = { maxMessages: 0, maxBytes: 0 };

async function filled(store: MemoryStore, count: number) {
  for (let i = 1; i <= count; i++) {
    await store.deliver({ raw: Buffer.from(`Subject: ${i}\r\n\r\nbody\r\n`), envelope: { mailFrom: 'alice@red.example', rcptTo: [LOGIN] } });
  }
  return store.folder(LOGIN, 'INBOX');
}

describe('the expunge history (RFC 7162 §3.2.5, §3.2.6)', () => {
  it('knows an expunge at once, at the store mod-sequence it raised above every change before it', async () => {
    const store = new MemoryStore({ limits: LIMITS });
    const history = new ExpungeHistory(store);
    const folder = await filled(store, 4);
    if (!folder) throw new Error('no INBOX');
    const before = history.highestModseq(LOGIN, folder);
    await store.expunge(LOGIN, 'INBOX', [2, 3]);
    expect(history.highestModseq(LOGIN, folder)).toBeGreaterThan(before);
    expect(history.highestModseq(LOGIN, folder)).toBeLessThanOrEqual(store.modseq);
    expect(history.vanished(LOGIN, folder, before, [[1, 4]])).toEqual([[2, 3]]);
    expect(history.vanished(LOGIN, folder, history.highestModseq(LOGIN, folder), [[1, 4]])).toEqual([]);
    // What comes after the expunge is above it.
    expect(await store.nextModseq()).toBeGreaterThan(history.highestModseq(LOGIN, folder));
    history.close();
  });

  it('keeps the mod-sequence a replayed expunge was recorded with, and the store goes on above it', async () => {
    const store = new MemoryStore({ limits: LIMITS });
    const history = new ExpungeHistory(store);
    const folder = await filled(store, 4);
    if (!folder) throw new Error('no INBOX');
    store.folders.unfile(LOGIN, 'INBOX', [3], 99);
    expect(history.highestModseq(LOGIN, folder)).toBe(99);
    expect(history.vanished(LOGIN, folder, 98, [[1, 4]])).toEqual([[3, 3]]);
    expect(history.vanished(LOGIN, folder, 99, [[1, 4]])).toEqual([]);
    expect(store.modseq).toBe(99);
    history.close();
  });
});
