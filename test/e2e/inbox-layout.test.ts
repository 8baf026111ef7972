import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, seriousAxeViolations } from '../helpers/browser.js';
import { type Inbox, type ListJson, startInbox } from './inbox-fixture.js';

const ARTIFACTS = 'test-artifacts';
const DESKTOP = { viewport: { width: 1440, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function openMessage(page: Page, subject: string): Promise<void> {
  await page.locator('.row-link', { hasText: subject }).click();
  await page.locator('#message-subject', { hasText: subject }).waitFor();
}

/** The inbox laid out for a wide screen and a phone: resizable split, list rows, tags, read state. */
describe.runIf(hasChromium())('web inbox: layout on desktop and phone', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    inbox = await startInbox({ label: 'staging' });
    await inbox.send({ from: 'Build Bot <ci@build.example>', to: 'dev-team@blue.test', subject: 'Build #381 passed on main', text: 'All 1,204 tests passed in 4m 12s.', headers: { 'X-Tags': 'ci' } });
    await inbox.send({
      from: 'Grace Hopper <grace@navy.example>',
      to: 'bob@blue.test',
      cc: 'team@blue.test',
      subject: 'Re: compiler meeting notes',
      text: 'Thanks Bob, notes attached.',
      html: '<p>Thanks Bob, notes attached.</p>',
      attachments: [
        { filename: 'notes.txt', content: 'meeting notes' },
        { filename: 'agenda.txt', content: 'agenda' },
      ],
    });
    await inbox.send({ from: 'Auth Service <no-reply@app.example>', to: 'carol@blue.test', subject: 'Your sign-in code is 482913', text: 'Use 482913 to sign in.', headers: { 'X-Tags': 'otp' } });
    await inbox.send({ from: 'Shop Example <orders@shop.example>', subject: 'Your order #1042 has shipped', html: '<h1>Shipped</h1><p>Order #1042 is on its way.</p>', text: 'Shipped.', headers: { 'X-Tags': 'orders, marketing' } });
  });
  afterAll(async () => {
    await inbox?.stop();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`looks right and passes axe at 1440×900 and 390×844 (${scheme})`, async () => {
      const desktop = await inbox.open('', { ...DESKTOP, colorScheme: scheme, bypassCSP: true });
      await openMessage(desktop, 'Re: compiler meeting notes');
      await desktop.getByRole('navigation', { name: 'Tags' }).getByRole('button', { name: /orders/ }).waitFor();
      await desktop.frameLocator('iframe.html-frame').getByText('notes attached').waitFor();
      await desktop.screenshot({ path: `${ARTIFACTS}/layout-desktop-${scheme}.png` });
      expect(await seriousAxeViolations(desktop)).toEqual([]);

      const phone = await inbox.open('', { ...PHONE, colorScheme: scheme, bypassCSP: true });
      await openMessage(phone, 'Re: compiler meeting notes');
      await phone.getByRole('tab', { name: 'Attachments (2)' }).waitFor();
      await phone.screenshot({ path: `${ARTIFACTS}/layout-phone-${scheme}.png` });
      expect(await seriousAxeViolations(phone)).toEqual([]);
      // The header is at most two rows: brand and tools, then search.
      const header = await phone.locator('.topbar').boundingBox();
      expect(header?.height).toBeLessThan(100);
      await phone.getByRole('button', { name: 'Back to the list' }).click();
      await phone.locator('.row', { hasText: 'Build #381' }).waitFor();
      await phone.screenshot({ path: `${ARTIFACTS}/layout-phone-list-${scheme}.png` });
      await desktop.close();
      await phone.close();
    });
  }

  it('keeps the tabs on one line that scrolls sideways on a phone', async () => {
    const page = await inbox.open('', PHONE);
    await openMessage(page, 'Re: compiler meeting notes');
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

  it('draws the raw view’s part picker in the dark theme', async () => {
    const page = await inbox.open('', { ...DESKTOP, colorScheme: 'dark' });
    await openMessage(page, 'Re: compiler meeting notes');
    await page.getByRole('tab', { name: 'Raw' }).click();
    const picker = page.getByLabel('Show');
    await picker.waitFor();
    const colours = await picker.evaluate((el) => ({ select: getComputedStyle(el).backgroundColor, scheme: getComputedStyle(el).colorScheme, body: getComputedStyle(document.body).backgroundColor }));
    expect(colours.select).toBe(colours.body);
    expect(colours.scheme).toBe('dark');
    await page.close();
  });

  it('resizes the list with the keyboard and keeps the width across a reload', async () => {
    const page = await inbox.open('', DESKTOP);
    const separator = page.getByRole('separator', { name: 'Resize the message list' });
    const before = Number(await separator.getAttribute('aria-valuenow'));
    const listWidth = () => page.locator('.list-pane').evaluate((el) => el.getBoundingClientRect().width);
    expect(await listWidth()).toBe(before);
    await separator.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    const after = Number(await separator.getAttribute('aria-valuenow'));
    expect(after).toBe(before + 5 * 16 + 80);
    expect(await listWidth()).toBe(after);
    await page.reload();
    await page.locator('.row', { hasText: 'Build #381' }).waitFor();
    expect(Number(await separator.getAttribute('aria-valuenow'))).toBe(after);
    expect(await listWidth()).toBe(after);
    // Home goes to the narrowest list; a pointer drag widens it again.
    await separator.focus();
    await page.keyboard.press('Home');
    const narrowest = Number(await separator.getAttribute('aria-valuenow'));
    const box = await separator.boundingBox();
    if (!box) throw new Error('no separator box');
    await page.mouse.move(box.x + box.width / 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 100, box.y + 200, { steps: 4 });
    await page.mouse.up();
    expect(Number(await separator.getAttribute('aria-valuenow'))).toBe(narrowest + 100);
    await page.close();
  });

  it('shows each row’s recipient and size, and where mail arrives beside the list', async () => {
    const page = await inbox.open('', DESKTOP);
    await page.locator('.placeholder-view', { hasText: `127.0.0.1:${inbox.box.port('smtp')}` }).waitFor();
    const row = page.locator('.row', { hasText: 'Re: compiler meeting notes' });
    await row.waitFor();
    expect(await row.locator('.to').innerText()).toContain('bob@blue.test +1');
    expect(await row.locator('.size').innerText()).toMatch(/\d(\.\d)? (B|KB)$/);
    await page.close();
  });

  it('filters by a tag clicked in a row, and lists tags with their counts', async () => {
    const page = await inbox.open('', DESKTOP);
    const panel = page.getByRole('navigation', { name: 'Tags' });
    await panel.getByRole('button', { name: /^otp/ }).waitFor();
    const names = await panel.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.textContent));
    expect(names).toEqual(['ci, 1 message', 'marketing, 1 message', 'orders, 1 message', 'otp, 1 message']);
    await page.locator('.row', { hasText: 'Your order #1042' }).getByRole('button', { name: 'marketing' }).click();
    await page.getByRole('list', { name: 'Search results' }).waitFor();
    expect(await page.getByLabel('Search messages').inputValue()).toBe('tag:marketing');
    // The search's answer replaces the rows shown until it comes.
    await expect.poll(() => page.locator('.row .subject').allInnerTexts()).toEqual(['Your order #1042 has shipped']);
    // The panel shows the chosen tag pressed; pressing it again lists everything.
    await panel.getByRole('button', { name: /^marketing/, pressed: true }).click();
    await page.getByRole('list', { name: 'Messages' }).waitFor();
    await page.locator('.row', { hasText: 'Build #381' }).waitFor();
    // A tag on the open message lists its messages too.
    await openMessage(page, 'Your sign-in code is 482913');
    await page.getByRole('list', { name: 'Tags' }).getByRole('button', { name: 'otp', exact: true }).click();
    await page.getByRole('list', { name: 'Search results' }).waitFor();
    expect(await page.getByLabel('Search messages').inputValue()).toBe('tag:otp');
    await page.close();
  });

  it('marks the open message unread, as the API then reports', async () => {
    const page = await inbox.open('', DESKTOP);
    await openMessage(page, 'Your sign-in code is 482913');
    const readState = async () => {
      const list = await inbox.api<ListJson>('api/v1/search?query=subject%3A482913');
      return list.messages[0]?.Read;
    };
    // The message was read by the request that showed it.
    expect(await readState()).toBe(true);
    const marked = page.waitForResponse((r) => r.url().endsWith('/api/v1/messages') && r.request().method() === 'PUT');
    await page.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: 'Mark unread' }).click();
    await page.locator('.row.unread', { hasText: 'Your sign-in code' }).waitFor();
    expect((await marked).ok()).toBe(true);
    expect(await readState()).toBe(false);
    await page.close();
  });

  it('labels the bulk actions with words, not look-alike icons', async () => {
    const page = await inbox.open('', DESKTOP);
    await page.locator('.row', { hasText: 'Build #381' }).getByRole('checkbox').check();
    const bar = page.getByRole('toolbar', { name: 'List actions' });
    expect(await bar.getByRole('button', { name: 'Mark selected read' }).innerText()).toBe('Read');
    expect(await bar.getByRole('button', { name: 'Mark selected unread' }).innerText()).toBe('Unread');
    expect(await bar.getByRole('button', { name: 'Delete selected' }).innerText()).toBe('Delete');
    await bar.screenshot({ path: `${ARTIFACTS}/layout-bulk-actions.png` });
    await page.close();
  });
});
