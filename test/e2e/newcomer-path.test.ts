import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

const ARTIFACTS = 'test-artifacts';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The first minutes with an empty sandbox: where to send mail, and how to release it. */
describe.runIf(hasChromium())('web inbox: the newcomer’s path', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    inbox = await startInbox({ releaseMx: true, releaseAllow: ['blue.test', '*.example.test', 'carol@red.test'] });
  });
  afterAll(async () => {
    await inbox?.stop();
  });

  it('shows the real SMTP address on an empty inbox, and copies a nodemailer snippet for it', async () => {
    const port = inbox.box.port('smtp');
    const page = await inbox.open('', { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.locator('.smtp-address', { hasText: `127.0.0.1:${port}` }).waitFor();
    await page.getByRole('button', { name: 'Copy snippet' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain(`host: '127.0.0.1', port: ${port}`);
    expect(copied).toBe(await page.getByLabel('Node.js, with nodemailer').innerText());
    await page.close();
  });

  it('names the relay and the allowed recipients in the release dialog', async () => {
    await inbox.send({ subject: 'Release me', text: 'For real.' });
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: 'Release me' }).click();
    await page.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release message' });
    await dialog.getByText('MX lookup').waitFor();
    expect(await dialog.locator('.relay-facts').innerText()).toMatch(/Allowed recipients\s+@blue\.test, \*\.example\.test, carol@red\.test/);
    await page.close();
  });

  it('keeps the tabs on one line that scrolls sideways on a phone', async () => {
    await inbox.send({
      subject: 'Two attachments',
      html: '<p>Hello</p>',
      text: 'Hello',
      attachments: [
        { filename: 'a.txt', content: 'a' },
        { filename: 'b.txt', content: 'b' },
      ],
    });
    const page = await inbox.open('', PHONE);
    await page.locator('.row-link', { hasText: 'Two attachments' }).click();
    const tabs = page.getByRole('tablist', { name: 'Message parts' });
    await tabs.getByRole('tab', { name: 'Attachments (2)' }).waitFor();
    const shape = await tabs.evaluate((list) => ({
      scrolls: list.scrollWidth > list.clientWidth,
      tops: [...list.querySelectorAll('[role=tab]')].map((tab) => tab.getBoundingClientRect().top),
      heights: [...list.querySelectorAll('[role=tab]')].map((tab) => tab.getBoundingClientRect().height),
    }));
    expect(shape.scrolls).toBe(true);
    expect(new Set(shape.tops).size).toBe(1);
    // A tab whose label wrapped would be taller than the rest.
    expect(new Set(shape.heights).size).toBe(1);
    // The last tab is reachable by scrolling, and by keyboard.
    await tabs.getByRole('tab', { name: 'Link check' }).scrollIntoViewIfNeeded();
    await tabs.getByRole('tab', { name: 'Link check' }).click();
    await page.getByRole('tab', { name: 'Link check', selected: true }).waitFor();
    await page.close();
  });
});
