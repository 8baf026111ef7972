import { describe, expect, it } from 'vitest';
import { DerivedCache } from '../../server/derived/derived-cache.js';

describe('derived-data cache', () => {
  it('keeps values by message id and kind, and counts hits and misses', () => {
    const cache = new DerivedCache({ maxBytes: 1000 });
    const a = 'a';
    expect(cache.get(a, 'view')).toBeUndefined();
    cache.set(a, 'view', 'view of a', 10);
    cache.set(a, 'tree', 'tree of a', 5);
    expect(cache.get(a, 'view')).toBe('view of a');
    expect(cache.get(a, 'tree')).toBe('tree of a');
    // Another message's id finds nothing of this one.
    expect(cache.get('b', 'view')).toBeUndefined();
    expect(cache.stats()).toEqual({ entries: 2, bytes: 15, maxBytes: 1000, hits: 2, misses: 2, evictions: 0 });
  });

  it('evicts the least recently used entries past its bytes, and keeps the newest however large', () => {
    const cache = new DerivedCache({ maxBytes: 100 });
    const [a, b, c, huge] = ['a', 'b', 'c', 'huge'];
    cache.set(a, 'view', 'a', 40);
    cache.set(b, 'view', 'b', 40);
    cache.get(a, 'view');
    cache.set(c, 'view', 'c', 40);
    expect(cache.get(b, 'view')).toBeUndefined();
    expect(cache.get(a, 'view')).toBe('a');
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 80, evictions: 1 });
    cache.set(huge, 'view', 'huge', 500);
    expect(cache.get(huge, 'view')).toBe('huge');
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 500, evictions: 3 });
  });

  it('evicts past its count of entries, and replacing a value counts its bytes once', () => {
    const cache = new DerivedCache({ maxEntries: 2 });
    const [a, b, c] = ['a', 'b', 'c'];
    cache.set(a, 'view', 'a1', 10);
    cache.set(a, 'view', 'a2', 20);
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 20 });
    cache.set(b, 'view', 'b', 1);
    cache.set(c, 'view', 'c', 1);
    expect(cache.get(a, 'view')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 2, evictions: 1 });
  });

  it('finds a replaced value, and forgets it, when it was the only kind kept for the message', () => {
    const cache = new DerivedCache();
    const a = 'a';
    cache.set(a, 'view', 'v1', 10);
    cache.set(a, 'view', 'v2', 20);
    expect(cache.get(a, 'view')).toBe('v2');
    cache.forget(a);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('forgets every kind kept for a deleted message', () => {
    const cache = new DerivedCache();
    const a = 'a';
    cache.set(a, 'view', 'v', 10);
    cache.set(a, 'tree', 't', 10);
    cache.forget(a);
    expect(cache.get(a, 'view')).toBeUndefined();
    expect(cache.get(a, 'tree')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0, evictions: 0 });
  });
});
