import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set([36, 86, 214, 255], i * 4);
  return PNG.sync.write(image);
}

describe.runIf(hasChromium())('web inbox: message view, inline images, attachments, tags, source', () => {
  let inbox: Inbox;
  const logo = png(40, 24);
  const binary = randomBytes(50_000);
  beforeAll(async () => {
    inbox = await startInbox();
    await inbox.send({
      subject: 'Report with logo',
      text: 'See the attached report.',
      html: '<p>Our logo:</p><img id="logo" src="cid:logo@letterbox.test" alt="logo">',
      attachments: [
        { filename: 'logo.png', content: logo, contentType: 'image/png', cid: 'logo@letterbox.test' },
        { filename: 'report.bin', content: binary, contentType: 'application/octet-stream' },
      ],
    });
  });
  afterAll(async () => {
    await inbox?.stop();
  });

  it('renders cid: images in the HTML preview', async () => {
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: 'Report with logo' }).click();
    const frame = await (await page.locator('iframe.html-frame').elementHandle())?.contentFrame();
    if (!frame) throw new Error('no preview frame');
    const img = frame.locator('#logo');
    await img.waitFor();
    await frame.waitForLoadState('load');
    expect(await img.evaluate((el: HTMLImageElement) => [el.complete, el.naturalWidth, el.naturalHeight])).toEqual([true, 40, 24]);
    await page.close();
  });

  it('lists attachments with checksums and downloads the exact bytes', async () => {
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: 'Report with logo' }).click();
    await page.getByRole('tab', { name: /Attachments/ }).click();
    const item = page.locator('.attachment', { hasText: 'report.bin' });
    await item.waitFor();
    await item.locator('summary').click();
    const sha256 = (await import('node:crypto')).createHash('sha256').update(binary).digest('hex');
    expect(await item.locator('.sums').innerText()).toContain(sha256);
    const preview = page.locator('.attachment img.thumb');
    await expect(preview.getAttribute('alt')).resolves.toBe('Preview of logo.png');

    const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: 'report.bin' }).click()]);
    expect(download.suggestedFilename()).toBe('report.bin');
    const saved = await download.path();
    expect(Buffer.compare(await readFile(saved), binary)).toBe(0);
    await page.close();
  });

  it('opens a deep link, edits tags, and shows one MIME part\'s source', async () => {
    const [summary] = (await inbox.api<{ messages: Array<{ ID: string }> }>('api/v1/messages')).messages;
    const page = await inbox.open(`?m=${summary?.ID}`);
    await page.locator('#message-subject', { hasText: 'Report with logo' }).waitFor();

    const input = page.getByRole('textbox', { name: 'Add a tag' });
    await input.fill('invoices');
    await input.press('Enter');
    await page.getByRole('button', { name: 'Remove tag invoices' }).waitFor();
    await page.locator('.row .tag', { hasText: 'invoices' }).waitFor();
    const tagsOf = async () => (await inbox.api<{ Tags: string[] }>(`api/v1/message/${summary?.ID}`)).Tags;
    expect(await tagsOf()).toEqual(['invoices']);
    await page.getByRole('button', { name: 'Remove tag invoices' }).click();
    await page.locator('.row .tag', { hasText: 'invoices' }).waitFor({ state: 'detached' });
    expect(await tagsOf()).toEqual([]);

    await page.getByRole('tab', { name: 'Raw' }).click();
    const source = page.getByLabel('Message source');
    await source.waitFor();
    expect(await source.innerText()).toContain('Subject: Report with logo');
    const select = page.getByLabel('Show');
    const options = await select.locator('option').allInnerTexts();
    const binaryPart = options.find((o) => o.includes('application/octet-stream'));
    expect(binaryPart).toBeDefined();
    await select.selectOption({ label: binaryPart ?? '' });
    const partSource = await source.innerText();
    expect(partSource).toMatch(/^Content-Type: application\/octet-stream/m);
    expect(partSource).not.toContain('Subject: Report with logo');
    await page.close();
  });
  it('checks links on request, and shows a loopback link refused without the server asking it', async () => {
    let asked = 0;
    const site = createServer((_req, res) => {
      asked++;
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const link = `http://127.0.0.1:${(site.address() as AddressInfo).port}/welcome`;
    try {
      await inbox.send({ subject: 'Links inside', html: `<p><a href="${link}">Start here</a></p>` });
      const page = await inbox.open();
      await page.locator('.row-link', { hasText: 'Links inside' }).click();
      await page.getByRole('tab', { name: 'Link check' }).click();
      await page.getByRole('button', { name: 'Check links' }).click();
      await expect(page.locator('.links [role=status]').innerText()).resolves.toBe('1 link checked, 1 with errors.');
      const row = page.locator('.link-results tr.link-bad');
      expect(await row.locator('a').getAttribute('href')).toBe(link);
      expect(await row.locator('a').getAttribute('rel')).toBe('noopener noreferrer');
      expect(await row.innerText()).toMatch(/loopback, private or special-use address/);
      expect(asked).toBe(0);
      await page.close();
    } finally {
      await new Promise((resolve) => site.close(resolve));
    }
  });
});
