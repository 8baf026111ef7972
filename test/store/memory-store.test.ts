import { describe, expect, it } from 'vitest';
import { heldBytes, MemoryStore } from '../../server/store/memory-store.js';
import { storeContract } from './contract.js';

storeContract('MemoryStore', ({ limits, clock }) => new MemoryStore({ limits, clock }));

describe('MemoryStore without bytes (an index for a backend that keeps them elsewhere)', () => {
  it('keeps sizes and header summaries, counts bytes and prunes by them, and holds no bytes', async () => {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 100 }, keepBytes: false });
    const raw = (n: number) => Buffer.from(`Subject: note ${n}\r\nTo: bob@blue.example\r\n\r\n${'x'.repeat(20)}\r\n`);
    const first = await store.deliver({ raw: raw(1), envelope: { mailFrom: 'a@red.example', rcptTo: ['bob@blue.example'] } });
    expect(first.size).toBe(raw(1).length);
    expect(heldBytes(first)).toBeUndefined();
    expect(first.summary.subject).toBe('note 1');
    expect(await store.readRaw(first.id)).toBeUndefined();
    expect(store.stats().bytes).toBe(raw(1).length);
    const restored = store.restore({ id: 'saved-one', seq: 10, size: 60, summary: first.summary, envelope: first.envelope, receivedAt: new Date(), client: first.client, flags: [], tags: [], modseq: 10 });
    expect(restored.size).toBe(60);
    expect(restored.summary.subject).toBe('note 1');
    expect(store.stats().bytes).toBe(raw(1).length + 60);
    await store.deliver({ raw: raw(2), envelope: { mailFrom: 'a@red.example', rcptTo: ['bob@blue.example'] } });
    // Past maxBytes by the sizes alone: the oldest went.
    expect(store.get(first.id)).toBeUndefined();
  });
});
