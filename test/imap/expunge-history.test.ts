import { describe, expect, it } from 'vitest';
import { ExpungeHistory } from '../../server/imap/expunge-history.js';
import { MemoryStore } from '../../server/store/memory-store.js';

const LOGIN = 'bob@blue.example';
const LIMITS = { maxMessages: 0, maxBytes: 0 };

/** A memory store that cannot hand out mod-sequences, as a shared backend that lost its database. */
class NoModseqStore extends MemoryStore {
  override nextModseq(): Promise<number> {
    return Promise.reject(new Error('the database is gone'));
  }
}

async function filled(store: MemoryStore, count: number) {
  for (let i = 1; i <= count; i++) {
    await store.deliver({ raw: Buffer.from(`Subject: ${i}\r\n\r\nbody\r\n`), envelope: { mailFrom: 'alice@red.example', rcptTo: [LOGIN] } });
  }
  return store.folder(LOGIN, 'INBOX');
}

describe('the expunge history (RFC 7162 §3.2.5, §3.2.6)', () => {
  it('knows an expunge, with a mod-sequence above every change before it, once settled', async () => {
    const store = new MemoryStore({ limits: LIMITS });
    const history = new ExpungeHistory(store);
    const folder = await filled(store, 4);
    if (!folder) throw new Error('no INBOX');
    const before = history.highestModseq(folder);
    await store.expunge(LOGIN, 'INBOX', [2, 3]);
    await history.settled();
    expect(history.highestModseq(folder)).toBeGreaterThan(before);
    expect(history.vanished(folder, before, [[1, 4]])).toEqual([[2, 3]]);
    expect(history.vanished(folder, history.highestModseq(folder), [[1, 4]])).toEqual([]);
    history.close();
  });

  it('answers as a history that does not reach back when an expunge gets no mod-sequence', async () => {
    const store = new NoModseqStore({ limits: LIMITS });
    const history = new ExpungeHistory(store);
    const folder = await filled(store, 4);
    if (!folder) throw new Error('no INBOX');
    const before = store.modseq;
    await store.expunge(LOGIN, 'INBOX', [3]);
    await history.settled();
    // Every UID the client names below UIDNEXT and not in the folder: 3, and 5 (never given) is left out.
    expect(history.vanished(folder, before, [[1, 5]])).toEqual([[3, 3]]);
    history.close();
  });
});
