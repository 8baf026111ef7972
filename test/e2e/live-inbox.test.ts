import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.js';
import { type Inbox, type ListJson, startInbox } from './inbox-fixture.js';

describe.runIf(hasChromium())('web inbox: live list, read, delete, search', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await startInbox();
  });
  afterAll(async () => {
    await inbox?.stop();
  });

  it('shows a message sent over SMTP without a reload, marks it read when opened, and deletes it', async () => {
    const page = await inbox.open();
    await page.getByText('No messages yet').waitFor();
    await page.locator('.conn-live').waitFor();
    let reloaded = false;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) reloaded = true;
    });

    await inbox.send({ subject: 'Live arrival', text: 'hello from SMTP' });
    const row = page.locator('.row', { hasText: 'Live arrival' });
    await row.waitFor();
    expect(reloaded).toBe(false);
    await expect(row.getAttribute('class')).resolves.toContain('unread');

    const [listed] = (await inbox.api<ListJson>('api/v1/messages')).messages;
    expect(listed?.Read).toBe(false);

    await row.locator('.row-link').click();
    await page.locator('#message-subject', { hasText: 'Live arrival' }).waitFor();
    expect(new URL(page.url()).searchParams.get('m')).toBe(listed?.ID);
    await page.locator('.row.read', { hasText: 'Live arrival' }).waitFor();
    expect((await inbox.api<ListJson>('api/v1/messages')).messages[0]?.Read).toBe(true);

    await page.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await inbox.api<ListJson>('api/v1/messages')).messages_count).toBe(0);
    await page.getByText('No messages yet').waitFor();
    await page.close();
  });

  it('filters by search, keeps the query in the URL, and restores it from the URL', async () => {
    await inbox.send({ subject: 'Invoice 1042', from: 'billing@shop.test', text: 'pay up' });
    await inbox.send({ subject: 'Weekly newsletter', from: 'news@shop.test', text: 'read me' });
    await inbox.send({ subject: 'Password reset', from: 'auth@app.test', text: 'code 123456' });

    const page = await inbox.open();
    await page.locator('.row', { hasText: 'Password reset' }).waitFor();
    expect(await page.locator('.row:not(.placeholder)').count()).toBe(3);

    await page.keyboard.press('/');
    await page.keyboard.type('from:shop.test');
    await page.keyboard.press('Enter');
    await page.locator('.count', { hasText: '2 matches' }).waitFor();
    expect(await page.locator('.row:not(.placeholder)').allInnerTexts()).toEqual([expect.stringContaining('Weekly newsletter'), expect.stringContaining('Invoice 1042')]);
    expect(new URL(page.url()).searchParams.get('q')).toBe('from:shop.test');

    // The same URL in a fresh page gives the same filtered list and the query in the box.
    const shared = await inbox.open(`?q=${encodeURIComponent('subject:invoice')}`);
    await shared.locator('.count', { hasText: '1 match' }).waitFor();
    expect(await shared.locator('#search').inputValue()).toBe('subject:invoice');
    expect(await shared.locator('.row:not(.placeholder)').allInnerTexts()).toEqual([expect.stringContaining('Invoice 1042')]);

    // Back in history returns to the unfiltered list.
    await page.goBack();
    await page.locator('.count', { hasText: '3 messages' }).waitFor();
    expect(new URL(page.url()).searchParams.get('q')).toBeNull();
    await page.close();
    await shared.close();
  });
});
