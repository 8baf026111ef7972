import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, newPage } from '../helpers/browser.js';
import { kitchenSink, REMOTE_CONTENT } from '../helpers/kitchen-sink.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';

/**
 * The web inbox frames captured HTML in a sandboxed iframe (test/e2e/html-safety.test.ts);
 * here the same kitchen sink is opened at /view/{ID}.html directly, as a link or a
 * Mailpit client would, with nothing but the response's own headers to protect it.
 */
describe.runIf(hasChromium())('/view/{ID}.html opened directly: captured HTML cannot run script, navigate, submit or (with remote=0) call home', () => {
  let box: TestSandbox;
  let beacon: Server;
  let beaconUrl = '';
  let browser: Browser;
  let id = '';
  const hits: string[] = [];

  beforeAll(async () => {
    box = await startTestSandbox();
    beacon = createServer((req, res) => {
      hits.push(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(200, { 'Content-Type': 'image/gif' }).end();
    });
    await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
    beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}`;
    const raw = Buffer.from(
      ['From: a@red.example', 'To: b@blue.example', 'Subject: Kitchen sink', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', ...kitchenSink(beaconUrl).split('\n'), ''].join('\r\n'),
    );
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    id = queuedId(await smtp.send(Buffer.concat([stuffAfterCrlf(raw), Buffer.from('.\r\n')])));
    smtp.close();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await box?.stop(0);
    await new Promise((resolve) => beacon?.close(resolve));
  });

  /** Opens the view at the top level, tries the links and the form, and reports what ran. */
  async function open(query: string): Promise<{ page: Page; pwned: string; url: string; csp: string }> {
    const page = await newPage(browser);
    const url = `http://127.0.0.1:${box.port('http')}/view/${id}.html${query}`;
    const response = await page.goto(url, { waitUntil: 'load' });
    await page.locator('#marker').waitFor();
    // The things a reader might click: a javascript: link and a form.
    await page.locator('#js').click({ noWaitAfter: true });
    await page.locator('#submit').click({ noWaitAfter: true });
    // Give a refresh, submit or script a chance to show: one full round trip to the server.
    await page.evaluate(() => fetch(location.href).then((r) => r.text())).catch(() => undefined);
    return {
      page,
      pwned: await page.evaluate(() => document.documentElement.dataset['pwned'] ?? 'clean').catch((e: unknown) => `evaluate failed: ${String(e)}`),
      url: page.url(),
      csp: response?.headers()['content-security-policy'] ?? '',
    };
  }

  it('by default: nothing executes, navigates or submits; only images and CSS may load, as in Mailpit', async () => {
    hits.length = 0;
    const { page, pwned, url, csp } = await open('');
    expect(csp).toMatch(/sandbox/);
    expect(csp).not.toMatch(/allow-scripts/);
    expect(pwned).toBe('clean');
    expect(url).toContain(`/view/${id}.html`);
    // The beacon does see the remote images (so the checks below can see a request at all)…
    expect(hits).toContain('/pixel.png');
    // …and nothing else: no script's image, no refresh, no form post, no frame or object.
    expect(hits.filter((path) => !REMOTE_CONTENT.has(path))).toEqual([]);
    await page.close();
  });

  it('with remote=0: nothing at all reaches another host', async () => {
    hits.length = 0;
    const { page, pwned, url } = await open('?remote=0');
    expect(pwned).toBe('clean');
    expect(url).toContain(`/view/${id}.html`);
    expect(hits).toEqual([]);
    await page.close();
  });

  it('the text view is plain text, never HTML', async () => {
    const res = await fetch(`http://127.0.0.1:${box.port('http')}/view/${id}.txt`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
