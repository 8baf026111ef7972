import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEN } from '../../server/store/types.js';
import { hasChromium, launchChromium, newPage } from '../helpers/browser.js';
import { startApi, type ApiBox } from '../http/http-helpers.js';

/** A blank page served from its own origin, for a script to call the API from. */
async function pageServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * The API takes JSON under any declared type from curl and scripts, so a browser on
 * another site must still be kept out: `localhost:P` and `127.0.0.1` are different
 * sites to Chromium, as any foreign web page is.
 */
describe.runIf(hasChromium())('a page on another site cannot change state through the API', () => {
  let api: ApiBox;
  let browser: Browser;
  let allowed: { server: Server; port: number };
  let foreign: { server: Server; port: number };

  beforeAll(async () => {
    allowed = await pageServer();
    foreign = await pageServer();
    api = await startApi({ apiCors: [`http://localhost:${allowed.port}`] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    for (const page of [allowed, foreign]) await new Promise((resolve) => page?.server.close(resolve));
  });

  async function open(port: number): Promise<Page> {
    const page = await newPage(browser);
    await page.goto(`http://localhost:${port}/`);
    return page;
  }

  it('a foreign page: neither a simple fetch nor a text/plain form gets through', async () => {
    const unread = await api.send({ subject: 'stay unread', text: 'x' });
    const before = api.box.store.stats().messages;
    const page = await open(foreign.port);
    const outcomes = await page.evaluate(async (url) => {
      const send = JSON.stringify({ From: { Email: 'csrf@evil.test' }, Subject: 'forged' });
      // A "simple" POST needs no preflight: the browser sends it and only hides the answer.
      const simple = await fetch(`${url}/api/v1/send`, { method: 'POST', body: send, mode: 'no-cors' }).then(() => 'sent', () => 'failed');
      // PUT and DELETE need a preflight, which a foreign origin does not pass.
      const put = await fetch(`${url}/api/v1/messages`, { method: 'PUT', body: '{"Read":true}' }).then(() => 'answered', () => 'blocked');
      const del = await fetch(`${url}/api/v1/messages`, { method: 'DELETE', body: '{}' }).then(() => 'answered', () => 'blocked');
      return [simple, put, del];
    }, api.base);
    expect(outcomes).toEqual(['sent', 'blocked', 'blocked']);
    // The classic JSON-in-a-form shape: name and value join into a JSON document.
    await page.setContent(
      `<form method="post" enctype="text/plain" action="${api.base}/api/v1/send">` +
        `<input name='{"From":{"Email":"csrf@evil.test"},"Subject":"forged","X":"' value='"}'></form>`,
    );
    await Promise.all([page.waitForLoadState('load'), page.locator('form').evaluate((form: HTMLFormElement) => form.submit())]);
    await page.waitForURL(`${api.base}/api/v1/send`);
    expect(await page.content()).toContain('Blocked due to CORS violation');
    expect(api.box.store.get(unread.id)?.flags.has(SEEN)).toBe(false);
    expect(api.box.store.stats().messages).toBe(before);
  });

  it('an allowed page: JSON under its own type works, text/plain is refused in the open', async () => {
    const message = await api.send({ subject: 'read me', text: 'x' });
    const page = await open(allowed.port);
    const answers = await page.evaluate(async (url) => {
      const plain = await fetch(`${url}/api/v1/messages`, { method: 'PUT', body: '{"Read":true}', headers: { 'Content-Type': 'text/plain' } });
      const json = await fetch(`${url}/api/v1/messages`, { method: 'PUT', body: '{"Read":true}', headers: { 'Content-Type': 'application/json' } });
      return [plain.status, json.status, await json.text()];
    }, api.base);
    expect(answers).toEqual([415, 200, 'ok']);
    expect(api.box.store.get(message.id)?.flags.has(SEEN)).toBe(true);
  });
});
