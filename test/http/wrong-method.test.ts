import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from './http-helpers.js';

let api: ApiBox;

beforeAll(async () => {
  const ui = await mkdtemp(join(tmpdir(), 'letterbox-ui-'));
  await writeFile(join(ui, 'index.html'), '<!doctype html><title>Inbox UI</title>');
  api = await startApi({ uiDir: ui, webroot: '/mail/' });
});
afterAll(async () => {
  await api.stop();
});

const call = (method: string, path: string) => fetch(api.base + path, { method });

describe('a wrong method on a known route (RFC 9110 §15.5.6)', () => {
  it('is 405 with an Allow header listing the methods the route has, as JSON under /api/', async () => {
    const cases: Array<[string, string, string]> = [
      ['POST', '/api/v1/messages', 'GET, HEAD, PUT, DELETE, OPTIONS'],
      ['PATCH', '/api/v1/messages', 'GET, HEAD, PUT, DELETE, OPTIONS'],
      ['GET', '/api/v1/send', 'POST, OPTIONS'],
      ['DELETE', '/api/v1/message/abc', 'GET, HEAD, OPTIONS'],
      ['GET', '/api/v1/message/abc/release', 'POST, OPTIONS'],
      ['GET', '/api/v1/tags/red', 'PUT, DELETE, OPTIONS'],
      ['POST', '/api/v1/tags', 'GET, HEAD, PUT, OPTIONS'],
      ['DELETE', '/api/v1/info', 'GET, HEAD, OPTIONS'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await call(method, path);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ Error: expect.stringContaining(method) });
    }
  });

  it('does not touch the store: a POST on the messages list deletes nothing', async () => {
    await api.send({ subject: 'kept' });
    const before = api.box.store.stats().messages;
    expect((await call('POST', '/api/v1/messages')).status).toBe(405);
    expect(api.box.store.stats().messages).toBe(before);
  });

  it('is 405 in Mailpit\'s plain text on the probes and render helpers', async () => {
    for (const path of ['/livez', '/view/abc.html']) {
      const response = await call('POST', path);
      expect(response.status, path).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
  });

  it('leaves the methods a route has alone', async () => {
    expect((await call('GET', '/api/v1/messages')).status).toBe(200);
    expect((await call('HEAD', '/api/v1/info')).status).toBe(200);
    expect((await call('OPTIONS', '/api/v1/send')).status).toBe(200);
  });
});

describe('an unknown path', () => {
  it('under /api/ is a JSON 404', async () => {
    for (const [method, path] of [['GET', '/api/v1/nope'], ['DELETE', '/api/v2/messages'], ['POST', '/api/v1/message/abc/frobnicate']] as const) {
      const response = await call(method, path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ Error: expect.stringContaining(path) });
    }
  });

  it('keeps Mailpit\'s text 404 for an unknown message', async () => {
    const response = await call('GET', '/api/v1/message/no-such-id');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 page not found');
  });

  it('elsewhere still serves the web inbox', async () => {
    const page = await call('GET', '/some/client/route');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Inbox UI');
  });
});
