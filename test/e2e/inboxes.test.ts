import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, newPage } from '../helpers/browser.js';
import { startInboxHttp, type InboxHttp } from '../http/inbox-helpers.js';

describe.runIf(hasChromium())('team inboxes in the browser: the picker and one inbox', () => {
  let http: InboxHttp;
  let browser: Browser;
  beforeAll(async () => {
    http = await startInboxHttp();
    browser = await launchChromium();
    await http.deliver('shop', 'Shop order 1');
    await http.deliver('billing', 'Invoice 77');
    await http.deliver('srs', 'SRS report');
  });
  afterAll(async () => {
    await browser?.close();
    await http?.stop();
  });

  it('lists the inboxes bob may read, and one click opens an inbox showing only its own mail, live', async () => {
    const page = await newPage(browser, { httpCredentials: { username: 'bob', password: 'pw-bob' } });
    await page.goto(`${http.base}/`);
    const picker = page.getByRole('list');
    expect(await picker.getByRole('link').allInnerTexts()).toEqual([expect.stringMatching(/^billing\s*1 message, 1 unread$/), expect.stringMatching(/^shop\s*1 message, 1 unread$/)]);
    expect(await page.getByText('srs').count()).toBe(0);
    expect(await page.getByText('All inboxes').count()).toBe(0);

    await picker.getByRole('link', { name: /^shop/ }).click();
    await page.waitForURL(`${http.base}/inbox/shop/`);
    await page.locator('.row', { hasText: 'Shop order 1' }).waitFor();
    // The live stream of this inbox, under its base path, with the same credentials.
    await page.locator('.conn-live').waitFor();
    await http.deliver('billing', 'Invoice 78');
    await http.deliver('shop', 'Shop order 2');
    await page.locator('.row', { hasText: 'Shop order 2' }).waitFor();
    expect(await page.locator('.row').allInnerTexts()).toEqual([expect.stringContaining('Shop order 2'), expect.stringContaining('Shop order 1')]);
    expect(await page.getByText(/Invoice|SRS/).count()).toBe(0);

    await page.locator('.row', { hasText: 'Shop order 1' }).locator('.row-link').click();
    await page.locator('#message-subject', { hasText: 'Shop order 1' }).waitFor();
    await page.locator('.row.read', { hasText: 'Shop order 1' }).waitFor();
    expect(http.directory.get('shop')?.store.stats().unread).toBe(1);
    expect(http.directory.get('billing')?.store.stats().unread).toBe(2);
    // The page names its inbox, and leads back to the picker.
    expect(await page.locator('.instance-label').innerText()).toBe('shop');
    await page.getByRole('link', { name: 'Inboxes' }).click();
    await page.waitForURL(`${http.base}/`);
    await page.getByRole('list').getByRole('link', { name: /^billing/ }).waitFor();
    await page.context().close();
  });

  it('gives a "*" user every inbox and All inboxes, and each inbox holds its own mail', async () => {
    const page = await newPage(browser, { httpCredentials: { username: 'ops', password: 'pw-ops' } });
    await page.goto(`${http.base}/`);
    expect(await page.getByRole('list').getByRole('link').count()).toBe(4);
    expect(await page.getByRole('link', { name: /^All inboxes/ }).getAttribute('href')).toBe('all/');
    await page.getByRole('link', { name: /^srs/ }).click();
    await page.waitForURL(`${http.base}/inbox/srs/`);
    await page.locator('.row', { hasText: 'SRS report' }).waitFor();
    expect(await page.locator('.row').count()).toBe(1);
    await page.context().close();
  });

  it('says in an empty team inbox how mail reaches it: its SMTP users or its routing rules, not any sender', async () => {
    const empty = http.directory.create('qa-empty', undefined);
    if ('error' in empty) throw new Error(empty.text);
    const page = await newPage(browser, { httpCredentials: { username: 'ops', password: 'pw-ops' } });
    await page.goto(`${http.base}/inbox/qa-empty/`);
    await page.getByText('No messages yet').waitFor();
    expect(await page.locator('.empty-inbox').innerText()).toContain('Mail reaches qa-empty when your application signs in to SMTP');
    expect(await page.getByText("Point your application's SMTP at").count()).toBe(0);
    await page.context().close();
    http.directory.remove('qa-empty');
  });

  it('shows alice, typing the address of an inbox not hers, the same page as for no inbox at all', async () => {
    const page = await newPage(browser, { httpCredentials: { username: 'alice', password: 'pw-alice' } });
    const billing = await page.goto(`${http.base}/inbox/billing/`);
    const billingText = await page.locator('body').innerText();
    const none = await page.goto(`${http.base}/inbox/no-such/`);
    expect([billing?.status(), billingText]).toEqual([404, '{"Error":"no such inbox"}']);
    expect([none?.status(), await page.locator('body').innerText()]).toEqual([404, billingText]);
    await page.context().close();
  });
});
