import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.js';
import { kitchenSink, REMOTE_CONTENT } from '../helpers/kitchen-sink.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

/** A 40×40 PNG of one colour. */
function solidPng([r, g, b]: [number, number, number]): Buffer {
  const png = new PNG({ width: 40, height: 40 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([r, g, b, 255], i);
  return PNG.sync.write(png);
}

/** The share of pixels close to this colour. */
function share(png: PNG, [r, g, b]: [number, number, number]): number {
  let hits = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const d = Math.abs((png.data[i] ?? 0) - r) + Math.abs((png.data[i + 1] ?? 0) - g) + Math.abs((png.data[i + 2] ?? 0) - b);
    if (d < 40) hits++;
  }
  return hits / (png.width * png.height);
}

const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 160, 0];

describe.runIf(hasChromium())('web inbox: screenshot of the HTML view', () => {
  let inbox: Inbox;
  let site: Server;
  const requests: string[] = [];
  let imageUrl = '';

  beforeAll(async () => {
    const green = solidPng(GREEN);
    site = createServer((req, res) => {
      requests.push(`${req.url} ${req.headers['user-agent'] ?? ''}`);
      if (req.url === '/green.png') res.writeHead(200, { 'content-type': 'image/png' }).end(green);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    imageUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/green.png`;
    // The image host is loopback, so the server may fetch it only with this switch.
    inbox = await startInbox({ allowInternalHttpRequests: true });
    await inbox.send({
      subject: 'Spring sale: 20% off!',
      text: 'plain',
      html: `<body style="margin:0;background:#ffffff"><div style="width:300px;height:120px;background:#ff0000"></div><img src="${imageUrl}" width="200" height="200" alt="logo"></body>`,
    });
  });
  afterAll(async () => {
    site?.closeAllConnections();
    await Promise.all([inbox?.stop(), new Promise((resolve) => site?.close(resolve))]);
  });

  /** Clicks Screenshot and reads the PNG the browser saves. */
  async function takeScreenshot(page: Awaited<ReturnType<Inbox['open']>>): Promise<{ png: PNG; name: string }> {
    const saved = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Screenshot' }).click();
    // A failure is shown in the page; say it here rather than wait for a download that never comes.
    const failed = page.locator('.screenshot-error').waitFor().then(async () => {
      throw new Error(await page.locator('.screenshot-error').innerText());
    });
    const download = await Promise.race([saved, failed]);
    const path = await download.path();
    return { png: PNG.sync.read(await readFile(path)), name: download.suggestedFilename() };
  }

  it('saves the page as shown, and fetches nothing remote while remote content is blocked', async () => {
    const page = await inbox.open();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.locator('.row-link', { hasText: 'Spring sale' }).click();
    await page.getByRole('radio', { name: 'Tablet' }).click();
    const { png, name } = await takeScreenshot(page);
    expect(name).toBe('Spring-sale-20-off.png');
    expect(png.width).toBeGreaterThanOrEqual(768);
    expect(png.height).toBeGreaterThanOrEqual(120);
    // 300×120 red of a ≥768-wide page: the message's own layout is in the picture.
    expect(share(png, RED)).toBeGreaterThan(0.02);
    expect(share(png, GREEN)).toBe(0);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('with remote content allowed, draws remote images fetched through the server', async () => {
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: 'Spring sale' }).click();
    await page.getByRole('switch', { name: 'Load remote content' }).check();
    const { png } = await takeScreenshot(page);
    expect(share(png, RED)).toBeGreaterThan(0.01);
    expect(share(png, GREEN)).toBeGreaterThan(0.01);
    // The inbox page itself never asked the image host: the picture's copy came through the server.
    expect(requests.some((r) => r.endsWith('Letterbox screenshot'))).toBe(true);
    await page.close();
  });

  it('draws the XSS kitchen sink with nothing executing, in the page or in the frame it reads', async () => {
    const beacon = new URL(imageUrl).origin;
    await inbox.send({ subject: 'Kitchen sink', html: kitchenSink(beacon), text: 'kitchen sink' });
    const page = await inbox.open();
    await page.evaluate(() => {
      (window as unknown as { __sentinel: string }).__sentinel = 'untouched';
    });
    await page.locator('.row-link', { hasText: 'Kitchen sink' }).click();
    const before = requests.length;
    const blocked = await takeScreenshot(page);
    expect(blocked.png.width).toBeGreaterThan(0);
    expect(requests.slice(before)).toEqual([]);

    await page.getByRole('switch', { name: 'Load remote content' }).check();
    const fetched = requests.length;
    await takeScreenshot(page);
    // Only images the message names, and only through the server: the preview's own loads
    // come with Chromium's user agent, the screenshot's with the server's.
    const viaServer = requests.slice(fetched).filter((r) => r.endsWith('Letterbox screenshot'));
    expect(viaServer.length).toBeGreaterThan(0);
    expect(viaServer.map((r) => r.split(' ')[0]).filter((path) => !REMOTE_CONTENT.has(path ?? ''))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __sentinel: string }).__sentinel)).toBe('untouched');
    expect(await page.title()).toMatch(/Letterbox/);
    await page.close();
  });
});
