import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from './http-helpers.js';

let api: ApiBox;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.stop();
});

const waitFor = (query: string) => fetch(`${api.base}/api/v1/wait?${query}`);

describe('GET /api/v1/wait', () => {
  it('answers at once when a match is stored', async () => {
    const sent = await api.send({ subject: 'already here' });
    const response = await waitFor('query=subject:already&timeout=5s');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { ID: string }).ID).toBe(sent.id);
  });

  it('resolves on delivery, matching the decoded body', async () => {
    const pending = waitFor(`query=${encodeURIComponent('"reset code"')}&timeout=20s`);
    // The waiter is registered once the request is in; delivering after it proves no polling is needed.
    await expectWaiters(1);
    const sent = await api.send({ subject: 'x', text: 'Your reset code: 551122' });
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ID: sent.id, Subject: 'x' });
  });

  it('ignores matches older than after', async () => {
    const first = await api.send({ subject: 'ticket 1' });
    const pending = waitFor(`query=subject:ticket&after=${first.id}&timeout=20s`);
    await expectWaiters(1);
    const second = await api.send({ subject: 'ticket 2' });
    expect(((await (await pending).json()) as { ID: string }).ID).toBe(second.id);
    // With after = the newest, nothing qualifies yet.
    const none = await waitFor(`query=subject:ticket&after=${second.id}&timeout=50ms`);
    expect(none.status).toBe(408);
  });

  it('times out with 408 JSON', async () => {
    const response = await waitFor('query=subject:never-sent&timeout=100ms');
    expect(response.status).toBe(408);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ Error: expect.any(String) });
  });

  it('refuses bad input with 4xx JSON', async () => {
    for (const [query, status] of [
      ['query=from:', 400],
      ['query=x&timeout=soon', 400],
      ['query=x&after=no-such-id', 404],
    ] as const) {
      const response = await waitFor(query);
      expect(response.status, query).toBe(status);
      expect(await response.json()).toEqual({ Error: expect.any(String) });
    }
  });

  it('forgets a waiter whose client went away', async () => {
    const controller = new AbortController();
    const pending = waitFor('query=subject:nobody-sends-this&timeout=60s');
    const abandoned = fetch(`${api.base}/api/v1/wait?query=subject:also-never&timeout=60s`, { signal: controller.signal }).catch(() => 'aborted');
    await expectWaiters(2);
    controller.abort();
    expect(await abandoned).toBe('aborted');
    await expectWaiters(1, 'exactly');
    api.box.store.deliver({ raw: Buffer.from('Subject: nobody-sends-this\r\n\r\nx'), envelope: { mailFrom: '', rcptTo: ['a@b.test'] } });
    expect((await pending).status).toBe(200);
  });

  it('500 concurrent waiters all resolve when their message arrives', async () => {
    const count = 500;
    const pending = Array.from({ length: count }, (_, i) =>
      fetch(`${api.base}/api/v1/wait?query=${encodeURIComponent(`subject:"batch-${i % 50}-end"`)}&timeout=60s`).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { Subject: string } }),
      ),
    );
    await expectWaiters(count);
    for (let i = 0; i < 50; i++) api.box.store.deliver({ raw: Buffer.from(`Subject: batch-${i}-end\r\n\r\nbody\r\n`), envelope: { mailFrom: '', rcptTo: ['x@y.test'] } });
    const results = await Promise.all(pending);
    results.forEach((result, i) => {
      expect(result.status).toBe(200);
      expect(result.body.Subject).toBe(`batch-${i % 50}-end`);
    });
  }, 60_000);
});

/** Waits (on metrics, not time) until this many waiters are registered. */
async function expectWaiters(n: number, mode: 'at least' | 'exactly' = 'at least'): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${api.base}/metrics`)).text();
    const waiting = Number(/^letterbox_waiters (\d+)$/m.exec(text)?.[1] ?? -1);
    if (mode === 'exactly' ? waiting === n : waiting >= n) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
