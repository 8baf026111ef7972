import { describe, expect, it } from 'vitest';
import { RawArena, type RawHolder } from '../../server/store/raw-arena.js';
import { MemoryStore } from '../../server/store/memory-store.js';

function bytes(i: number, size = 2000): Buffer {
  return Buffer.from(`message ${i} `.repeat(size).slice(0, size), 'latin1');
}

describe('RawArena', () => {
  it('keeps a copy in a shared slab, cut to size, even from a larger read', () => {
    const arena = new RawArena<RawHolder>(() => true);
    const read = Buffer.concat([bytes(1), Buffer.from('MAIL FROM:<next@example.test>\r\n')]);
    const given = read.subarray(0, 2000);
    const holder: RawHolder = { raw: given };
    holder.raw = arena.keep(given, holder);
    const other: RawHolder = { raw: bytes(2) };
    other.raw = arena.keep(other.raw, other);
    expect(holder.raw.equals(bytes(1))).toBe(true);
    expect(holder.raw.buffer).not.toBe(read.buffer);
    expect(other.raw.buffer).toBe(holder.raw.buffer);
    read.fill(0);
    expect(holder.raw.equals(bytes(1))).toBe(true);
  });

  it('keeps a large message in a right-sized buffer of its own', () => {
    const arena = new RawArena<RawHolder>(() => true);
    const big = Buffer.concat([bytes(1, 40_000), Buffer.alloc(1000)]).subarray(0, 40_000);
    const kept = arena.keep(big, { raw: big });
    expect(kept.equals(big)).toBe(true);
    expect(kept.buffer.byteLength).toBe(40_000);
  });

  it('moves what is left of a mostly emptied slab, and never reuses the bytes a reader may still hold', () => {
    const alive = new Set<RawHolder>();
    const arena = new RawArena<RawHolder>((holder) => alive.has(holder));
    const holders = Array.from({ length: 600 }, (_, i) => {
      const holder: RawHolder = { raw: bytes(i) };
      holder.raw = arena.keep(holder.raw, holder);
      alive.add(holder);
      return holder;
    });
    const firstSlab = holders[0]?.raw.buffer;
    const removed = holders.filter((_, i) => i % 10 !== 0);
    const heldByReader = removed[3]?.raw as Buffer;
    for (const holder of removed) {
      alive.delete(holder);
      arena.release(holder.raw);
    }
    for (const [i, holder] of holders.entries()) if (alive.has(holder)) expect(holder.raw.equals(bytes(i))).toBe(true);
    expect(holders[0]?.raw.buffer).not.toBe(firstSlab);
    for (let i = 600; i < 1200; i++) {
      const holder: RawHolder = { raw: bytes(i) };
      holder.raw = arena.keep(holder.raw, holder);
    }
    expect(heldByReader.equals(bytes(4))).toBe(true);
  });
});

describe('MemoryStore bytes', () => {
  it('stay byte-identical through removals that compact the slabs they sit in', async () => {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
    const ids: string[] = [];
    for (let i = 0; i < 500; i++) ids.push((await store.deliver({ raw: bytes(i), envelope: { mailFrom: 'a@example.test', rcptTo: [`u${i % 7}@example.test`] } })).id);
    await store.remove(ids.filter((_, i) => i % 9 !== 0));
    for (const [i, id] of ids.entries()) {
      if (i % 9 === 0) expect((await store.readRaw(id))?.equals(bytes(i))).toBe(true);
      else expect(store.get(id)).toBeUndefined();
    }
    expect(store.stats().bytes).toBe(Math.ceil(500 / 9) * 2000);
  });
});
