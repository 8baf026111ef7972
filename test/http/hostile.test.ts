import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from './http-helpers.js';

let api: ApiBox;
let knownId = '';
const JSON_ACCEPT = { accept: 'application/json' };

beforeAll(async () => {
  api = await startApi();
  knownId = (await api.send({ subject: 'keep me', text: 'still here' })).id;
});
afterAll(async () => {
  await api.stop();
});

async function expectJsonError(response: Response, status: number): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { Error?: unknown };
  expect(typeof body.Error).toBe('string');
}

/** A raw request with a body streamed in chunks, counting how much the server let us send. */
function streamBody(path: string, totalBytes: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(api.base + path);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'PUT', headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => reject(error));
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('hostile input gets 4xx JSON, never a 500, and loses nothing', () => {
  it('unknown IDs', async () => {
    for (const path of ['/api/v1/message/nope', '/api/v1/message/nope/raw', '/api/v1/message/nope/headers', '/api/v1/message/nope/part/1', '/api/v1/message/nope/part/1/thumb', '/api/v1/message/nope/extract', '/view/nope.html', `/api/v1/message/${'x'.repeat(5000)}`]) {
      await expectJsonError(await fetch(api.base + path, { headers: JSON_ACCEPT }), 404);
    }
  });

  it('malformed JSON and wrong shapes', async () => {
    for (const [method, path, body] of [
      ['PUT', '/api/v1/messages', '{"IDs": ['],
      ['DELETE', '/api/v1/messages', '{nope'],
      ['PUT', '/api/v1/messages', '{"IDs": "abc"}'],
      ['PUT', '/api/v1/messages', '[1,2,3]'],
      ['PUT', '/api/v1/tags', '{"IDs": [1], "Tags": []}'],
      ['PUT', '/api/v1/tags/a', '{"Name": 5}'],
      ['POST', '/api/v1/send', '{"From": {"Email": "not an address"}}'],
      ['POST', '/api/v1/send', '"just a string"'],
      ['POST', '/api/v1/send', '{"From": {"Email": "a@b.test"}, "Attachments": [{"Content": "%%%", "Filename": "x"}]}'],
      ['POST', '/api/v1/send', '{"From": {"Email": "a@b.test"}, "Headers": {"X-Bad": "a\\r\\nBcc: victim@x.test"}}'],
    ] as const) {
      const response = await fetch(api.base + path, { method, body, headers: { ...JSON_ACCEPT, 'content-type': 'application/json' } });
      await expectJsonError(response, 400);
    }
    expect(api.box.store.get(knownId)).toBeDefined();
  });

  it('reads any body of a state-changing call as JSON, whatever its declared type', async () => {
    const response = await fetch(api.base + '/api/v1/messages', { method: 'DELETE', body: 'IDs=all', headers: { ...JSON_ACCEPT, 'content-type': 'application/x-www-form-urlencoded' } });
    await expectJsonError(response, 400);
    expect(api.box.store.get(knownId)).toBeDefined();
  });

  it('a 100 MB body, declared or streamed, is refused with 413', async () => {
    const declared = await fetch(api.base + '/api/v1/messages', {
      method: 'PUT',
      body: Buffer.alloc(100 * 1024 * 1024, 0x20),
      headers: { ...JSON_ACCEPT, 'content-type': 'application/json' },
    });
    await expectJsonError(declared, 413);
    const streamed = await streamBody('/api/v1/messages', 100 * 1024 * 1024, { ...JSON_ACCEPT, 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({ Error: expect.any(String) });
    const send = await fetch(api.base + '/api/v1/send', { method: 'POST', body: Buffer.alloc(100 * 1024 * 1024, 0x20), headers: { 'content-type': 'application/json' } });
    await expectJsonError(send, 413);
  }, 30_000);

  it('paging and search parameters', async () => {
    for (const query of ['limit=1e9', 'limit=-1', 'start=-5', 'start=abc', 'before=not-a-date']) {
      await expectJsonError(await fetch(`${api.base}/api/v1/messages?${query}`, { headers: JSON_ACCEPT }), 400);
    }
    const all = await fetch(`${api.base}/api/v1/messages?limit=1000000000&start=0`);
    expect(all.status).toBe(200);
    for (const query of ['from:', 'subject:"unbalanced', 'is:wat', 'larger:lots', 'after:"31/31/2024"']) {
      await expectJsonError(await fetch(`${api.base}/api/v1/search?query=${encodeURIComponent(query)}`, { headers: JSON_ACCEPT }), 400);
      await expectJsonError(await fetch(`${api.base}/api/v1/message/latest?query=${encodeURIComponent(query)}`, { headers: JSON_ACCEPT }), 400);
      await expectJsonError(await fetch(`${api.base}/api/v1/search?query=${encodeURIComponent(query)}`, { method: 'DELETE', headers: JSON_ACCEPT }), 400);
    }
    await expectJsonError(await fetch(`${api.base}/api/v1/search?query=x&tz=Not/AZone`, { headers: JSON_ACCEPT }), 400);
  });

  it('a query parameter given twice, holding a control character, or a time Date.parse would guess at', async () => {
    const refused = [
      '/api/v1/messages?limit=1&limit=2',
      '/api/v1/search?query=a&query=b',
      '/api/v1/search?query=a%00b',
      '/api/v1/messages?li%0Amit=1',
      // Date.parse reads "1" as 2001 and rolls 30 February into March.
      '/api/v1/messages?before=1',
      '/api/v1/messages?before=2024-02-30',
      '/api/v1/messages?before=2024-05-01T24:00:00Z',
      '/api/v1/message/latest/link-check?follow=yes',
      '/api/v1/message/latest/link-check?follow=constructor',
    ];
    for (const path of refused) {
      const response = await fetch(api.base + path, { headers: JSON_ACCEPT });
      expect([path, response.status]).toEqual([path, 400]);
      expect(await response.json()).toEqual({ Error: expect.any(String) });
    }
    // RFC 3339 §5.6: T and Z may be lower case.
    for (const before of ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123+02:00', '2024-02-29', '2024-05-01t12:00:00z']) {
      expect((await fetch(`${api.base}/api/v1/messages?before=${encodeURIComponent(before)}`)).status).toBe(200);
    }
  });

  it('cross-site browser requests cannot change state', async () => {
    const response = await fetch(api.base + '/api/v1/messages', { method: 'DELETE', headers: { ...JSON_ACCEPT, origin: 'https://evil.example' } });
    await expectJsonError(response, 403);
    const sameSite = await fetch(api.base + '/api/v1/messages', { method: 'DELETE', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: '{}' });
    expect(sameSite.status).toBe(403);
    expect(api.box.store.get(knownId)).toBeDefined();
  });

  it('is still alive and intact', async () => {
    expect(await (await fetch(api.base + '/livez')).text()).toBe('ok');
    expect((await api.box.store.readRaw(knownId))?.toString()).toContain('still here');
  });
});
