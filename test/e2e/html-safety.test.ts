import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.js';
import { kitchenSink, REMOTE_CONTENT } from '../helpers/kitchen-sink.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

describe.runIf(hasChromium())('web inbox: captured HTML cannot run script or call home', () => {
  let inbox: Inbox;
  let beacon: Server;
  let beaconUrl: string;
  const hits: string[] = [];
  const waiters: Array<() => void> = [];

  beforeAll(async () => {
    inbox = await startInbox();
    beacon = createServer((req, res) => {
      hits.push(new URL(req.url ?? '/', 'http://x').pathname);
      for (const wake of waiters.splice(0)) wake();
      res.writeHead(200, { 'Content-Type': 'image/gif' }).end();
    });
    await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
    beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await inbox?.stop();
    await new Promise((resolve) => beacon?.close(resolve));
  });

  async function viewFrame(page: Page): Promise<Frame> {
    const handle = await page.locator('iframe.html-frame').elementHandle();
    const frame = await handle?.contentFrame();
    if (!frame) throw new Error('no preview frame');
    return frame;
  }

  it('renders the XSS kitchen sink with nothing executing and nothing remote loading', async () => {
    await inbox.send({ subject: 'Kitchen sink', html: kitchenSink(beaconUrl), text: 'kitchen sink' });
    const page = await inbox.open();
    const appOrigin = new URL(inbox.base).origin;
    // A request Chromium refuses under the frame's CSP still shows as a request, then fails
    // with net::ERR_BLOCKED_BY_CSP; one that got any response left the page.
    const foreign: string[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).origin !== appOrigin && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page.on('requestfailed', (r) => {
      if (new URL(r.url()).origin !== appOrigin && !/^(csp|net::ERR_BLOCKED_BY_CSP)$/.test(r.failure()?.errorText ?? '')) foreign.push(`${r.url()} ${r.failure()?.errorText}`);
    });
    await page.evaluate(() => {
      (window as unknown as { __sentinel: string }).__sentinel = 'untouched';
    });
    await page.locator('.row-link', { hasText: 'Kitchen sink' }).click();

    const iframe = page.locator('iframe.html-frame');
    expect(await iframe.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    let frame = await viewFrame(page);
    await frame.locator('#marker').waitFor();
    await frame.waitForLoadState('load');
    await frame.locator('#submit').click();

    const blocked = page.locator('.remote-bar');
    await blocked.waitFor();
    expect(await blocked.innerText()).toMatch(/remote items? blocked/);
    expect(await frame.getAttribute('#plain', 'target')).toBe('_blank');
    expect(await frame.getAttribute('#plain', 'rel')).toMatch(/noopener/);
    expect(await frame.evaluate(() => document.documentElement.dataset['pwned'] ?? 'clean')).toBe('clean');
    expect(await frame.evaluate(() => window.origin)).toBe('null');
    expect(await page.evaluate(() => (window as unknown as { __sentinel: string }).__sentinel)).toBe('untouched');
    expect(foreign).toEqual([]);
    expect(hits).toEqual([]);

    // The switch loads remote images and CSS (so the beacon can see requests at all),
    // and still nothing executes, navigates, frames, or submits.
    const pixel = new Promise<void>((resolve) => waiters.push(resolve));
    await page.getByRole('switch', { name: 'Load remote content' }).check();
    await pixel;
    frame = await viewFrame(page);
    await frame.locator('#marker').waitFor();
    await frame.waitForLoadState('load');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.filter((path) => !REMOTE_CONTENT.has(path))).toEqual([]);
    expect(await frame.evaluate(() => document.documentElement.dataset['pwned'] ?? 'clean')).toBe('clean');
    expect(await page.evaluate(() => (window as unknown as { __sentinel: string }).__sentinel)).toBe('untouched');
    expect(await page.title()).toMatch(/Letterbox/);
    await page.close();
  });

  it('an HTML attachment opened at the top level is a download, never a page that could load the script attachment beside it', async () => {
    // Parts are served from the app's own origin, so under the inbox's `script-src 'self'`
    // a relative <script src> naming the next part would run with the API at its command.
    const script = `document.title='pwned';top.__sentinel='part-script';new Image().src='${beaconUrl}/part-script'`;
    await inbox.send({
      subject: 'Attachment trap',
      html: '<p><a id="trap" href="/api/v1/message/latest/part/2">open the invoice</a></p>',
      attachments: [
        { filename: 'invoice.html', contentType: 'text/html', content: '<h1 id="invoice">Invoice</h1><script src="3"></script>' },
        { filename: 'invoice.js', contentType: 'text/javascript', content: script },
      ],
    });
    const [latest] = (await inbox.api<{ messages: Array<{ ID: string }> }>('api/v1/messages')).messages;
    // Opened at the top level (a link in the mail, or the address pasted in), the part is
    // a download: never a document of this origin.
    const page = await inbox.open(`?m=${latest?.ID}`);
    const started = page.waitForEvent('download');
    const opened = await page.goto(new URL('api/v1/message/latest/part/2', inbox.base).href).then(
      () => 'a page',
      (error: unknown) => String(error),
    );
    expect(opened).toMatch(/Download is starting/);
    expect((await started).suggestedFilename()).toBe('invoice.html');
    expect(await page.title()).not.toBe('pwned');
    expect(hits).not.toContain('/part-script');
    await page.close();
  });
});
