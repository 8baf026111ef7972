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
    const cache = new BodyCache(100);
    const shelf = cache.shelf('', (id) => {
      fetched.push(id);
      return Promise.resolve(stored.get(id));
    });
    await shelf.read('a');
    await shelf.read('b');
    await shelf.read('a'); // a is now the most recently used
    await shelf.read('c'); // 120 bytes > 100: b goes
    expect(cache.bytes).toBe(80);
    await shelf.read('a');
    await shelf.read('b');
    expect(fetched).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.bytes).toBeLessThanOrEqual(100);
  });

  it('shares one fetch between concurrent reads, keeps nothing larger than its budget, and forgets on request', async () => {
    let fetches = 0;
    let release: (raw: Buffer) => void = () => undefined;
    const cache = new BodyCache(10);
    const shelf = cache.shelf('', () => {
      fetches++;
      return new Promise<Buffer>((resolve) => (release = resolve));
    });
    const reads = [shelf.read('big'), shelf.read('big')];
    release(bytes(11, 'x'));
    const [first, second] = await Promise.all(reads);
    expect(fetches).toBe(1);
    expect(first?.length).toBe(11);
    expect(second).toBe(first);
    expect(cache.bytes).toBe(0);
    shelf.put('small', bytes(5, 's'));
    expect(cache.bytes).toBe(5);
    shelf.forget('small');
    expect(cache.bytes).toBe(0);
    expect(await new BodyCache(10).shelf('', () => Promise.resolve(undefined)).read('gone')).toBeUndefined();
  });

  it("holds every store's bodies to the one budget, each store's apart: same ids do not meet, a clear takes only its own", async () => {
    const cache = new BodyCache(100);
    const shop = cache.shelf('shop', (id) => Promise.resolve(bytes(30, `s${id}`)));
    const billing = cache.shelf('billing', (id) => Promise.resolve(bytes(30, `b${id}`)));
    expect((await shop.read('1'))?.[0]).toBe('s'.charCodeAt(0));
    expect((await billing.read('1'))?.[0]).toBe('b'.charCodeAt(0));
    await shop.read('2');
    await billing.read('2'); // 120 bytes > 100: shop's 1, the least recently used, goes
    expect(cache.bytes).toBe(90);
    shop.clear();
    expect(cache.bytes).toBe(60);
    billing.forget('1');
    expect(cache.bytes).toBe(30);
  });
});
