import { describe, expect, it } from 'vitest';
import { BodyCache } from '../../../server/store/postgres/body-cache.js';

const bytes = (n: number, fill: string) => Buffer.alloc(n, fill);

describe('BodyCache', () => {
  it('keeps bodies within its byte budget, dropping the least recently used first', async () => {
    const fetched: string[] = [];
    const stored = new Map([
      ['a', bytes(40, 'a')],
      ['b', bytes(40, 'b')],
      ['c', bytes(40, 'c')],
    ]);
    const cache = new BodyCache(100, (id) => {
      fetched.push(id);
      return Promise.resolve(stored.get(id));
    });
    await cache.read('a');
    await cache.read('b');
    await cache.read('a'); // a is now the most recently used
    await cache.read('c'); // 120 bytes > 100: b goes
    expect(cache.bytes).toBe(80);
    await cache.read('a');
    await cache.read('b');
    expect(fetched).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.bytes).toBeLessThanOrEqual(100);
  });

  it('shares one fetch between concurrent reads, keeps nothing larger than its budget, and forgets on request', async () => {
    let fetches = 0;
    let release: (raw: Buffer) => void = () => undefined;
    const cache = new BodyCache(10, () => {
      fetches++;
      return new Promise<Buffer>((resolve) => (release = resolve));
    });
    const reads = [cache.read('big'), cache.read('big')];
    release(bytes(11, 'x'));
    const [first, second] = await Promise.all(reads);
    expect(fetches).toBe(1);
    expect(first?.length).toBe(11);
    expect(second).toBe(first);
    expect(cache.bytes).toBe(0);
    cache.put('small', bytes(5, 's'));
    expect(cache.bytes).toBe(5);
    cache.forget('small');
    expect(cache.bytes).toBe(0);
    expect(await new BodyCache(10, () => Promise.resolve(undefined)).read('gone')).toBeUndefined();
  });
});
