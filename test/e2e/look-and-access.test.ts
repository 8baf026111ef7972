import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, seriousAxeViolations } from '../helpers/browser.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

const ARTIFACTS = 'test-artifacts';

const NEWSLETTER = `<!doctype html><html><body style="margin:0;background:#f1f4f9;font-family:Arial,sans-serif">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table width="560" style="max-width:100%;background:#fff;border-radius:8px" cellpadding="24"><tr><td>
<h1 style="margin:0 0 12px;color:#1b2230;font-size:22px">Your order has shipped</h1>
<p style="color:#4a5568;line-height:1.5">Hi Bob, order <b>#1042</b> left our warehouse today and should arrive on Tuesday.</p>
<p><a href="https://shop.example/track/1042" style="display:inline-block;background:#2456d6;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">Track your parcel</a></p>
<img src="https://tracker.example/open.gif" width="1" height="1" alt="">
<p style="color:#8a94a6;font-size:12px">Shop Example · 1 Market Street</p>
</td></tr></table></td></tr></table></body></html>`;

/** Some realistic mail so the screenshots show a lived-in inbox. */
async function fill(inbox: Inbox): Promise<void> {
  await inbox.send({ from: 'Build Bot <ci@build.example>', subject: 'Build #381 passed on main', text: 'All 1,204 tests passed in 4m 12s.' });
  await inbox.send({ from: 'Grace Hopper <grace@navy.example>', to: 'bob@blue.test', cc: 'team@blue.test', subject: 'Re: compiler meeting notes', text: 'Thanks Bob — notes attached.', attachments: [{ filename: 'notes.txt', content: 'meeting notes' }] });
  await inbox.send({ from: 'Auth Service <no-reply@app.example>', subject: 'Your sign-in code is 482913', text: 'Use 482913 to sign in. It expires in 10 minutes.', headers: { 'X-Tags': 'otp' } });
  await inbox.send({ from: 'Shop Example <orders@shop.example>', subject: 'Your order #1042 has shipped', html: NEWSLETTER, text: 'Your order has shipped.', headers: { 'X-Tags': 'orders, marketing' } });
}

async function openMessage(page: Page, subject: string): Promise<void> {
  await page.locator('.row-link', { hasText: subject }).click();
  await page.locator('#message-subject', { hasText: subject }).waitFor();
}

describe.runIf(hasChromium())('web inbox: accessibility, screenshots, release', () => {
  let inbox: Inbox;
  let target: Inbox['box'];
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const { startTestSandbox } = await import('../helpers/sandbox.js');
    // A second Letterbox plays the real recipient's server for release.
    target = await startTestSandbox();
    inbox = await startInbox({ label: 'staging', releaseSmarthost: { host: '127.0.0.1', port: target.port('smtp') }, releaseAllowInsecure: true });
    await fill(inbox);
  });
  afterAll(async () => {
    await inbox?.stop();
    await target?.stop(0);
  });

  it('has no serious or critical axe violations on the list and message pages', async () => {
    const page = await inbox.open('', { bypassCSP: true });
    await page.locator('.row', { hasText: 'Your order #1042' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await openMessage(page, 'Your order #1042 has shipped');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('tab', { name: 'Headers' }).click();
    await page.locator('table.headers').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it('reaches every control by keyboard: j/k, enter, / and the help dialog', async () => {
    const page = await inbox.open();
    await page.locator('.row', { hasText: 'Build #381' }).waitFor();
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.locator('#message-subject', { hasText: 'sign-in code' }).waitFor();
    await page.keyboard.press('j');
    await page.locator('#message-subject', { hasText: 'compiler meeting' }).waitFor();
    await page.keyboard.press('k');
    await page.locator('#message-subject', { hasText: 'sign-in code' }).waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search');
    // Tabbing from the search box walks named controls only.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el ? el.getAttribute('aria-label') || el.textContent?.trim() || (el as HTMLInputElement).labels?.[0]?.textContent?.trim() || '' : '';
      });
      expect(name).not.toBe('');
    }
    await page.close();
  });

  it('shows the instance label, and keeps a chosen theme over the system one across reloads', async () => {
    const page = await inbox.open('', { colorScheme: 'light' });
    await page.locator('.instance-label', { hasText: 'staging' }).waitFor();
    expect(await page.title()).toMatch(/staging · Letterbox$/);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByLabel('Theme').selectOption('dark');
    expect(await background()).not.toBe(light);
    await page.reload();
    await page.locator('.instance-label').waitFor();
    expect(await page.getByLabel('Theme').inputValue()).toBe('dark');
    expect(await background()).not.toBe(light);
    await page.getByLabel('Theme').selectOption('auto');
    expect(await background()).toBe(light);
    await page.close();
  });

  it('writes screenshots of the list, a message (light and dark) and phone width', async () => {
    const light = await inbox.open('', { colorScheme: 'light', viewport: { width: 1280, height: 800 } });
    await light.locator('.row', { hasText: 'Your order #1042' }).waitFor();
    await light.screenshot({ path: `${ARTIFACTS}/list.png` });
    await openMessage(light, 'Your order #1042 has shipped');
    await light.locator('.remote-bar').waitFor();
    await light.screenshot({ path: `${ARTIFACTS}/message-light.png` });
    await light.getByRole('radio', { name: 'Phone' }).click();
    await light.screenshot({ path: `${ARTIFACTS}/message-phone-preview.png` });

    const dark = await inbox.open('', { colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
    await openMessage(dark, 'Re: compiler meeting notes');
    expect(await dark.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe('rgb(255, 255, 255)');
    await dark.screenshot({ path: `${ARTIFACTS}/message-dark.png` });

    const phone = await inbox.open('', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await phone.locator('.row', { hasText: 'Your order #1042' }).waitFor();
    await phone.screenshot({ path: `${ARTIFACTS}/phone-list.png` });
    await openMessage(phone, 'Your order #1042 has shipped');
    await phone.screenshot({ path: `${ARTIFACTS}/phone-message.png` });
    for (const p of [light, dark, phone]) await p.close();
  });

  it('releases a message through the dialog and shows each outcome and the transcript', async () => {
    const page = await inbox.open();
    await openMessage(page, 'Build #381 passed on main');
    await page.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release message' });
    expect(await dialog.getByLabel('Recipients').inputValue()).toBe('bob@blue.test');
    await dialog.getByRole('button', { name: 'Release', exact: true }).click();
    await dialog.getByText('Released to bob@blue.test').waitFor();
    await dialog.locator('.outcome-delivered', { hasText: 'delivered' }).waitFor();
    expect(await dialog.getByLabel('SMTP transcript').innerText()).toMatch(/250/);
    await page.screenshot({ path: `${ARTIFACTS}/release.png` });
    expect(target.store.messages().some((m) => m.summary.subject === 'Build #381 passed on main')).toBe(true);
    await page.close();
  });
});
