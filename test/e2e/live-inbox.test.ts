import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
    // Release is not configured here, so there is no Release button.
    expect(await page.getByRole('button', { name: 'Release' }).count()).toBe(0);
    expect((await inbox.api<ListJson>('api/v1/messages')).messages[0]?.Read).toBe(true);

    await page.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await inbox.api<ListJson>('api/v1/messages')).messages_count).toBe(0);
    await page.getByText('No messages yet').waitFor();
    await page.close();
  });

  it('notifies of new mail while the page is hidden, once notifications are turned on', async () => {
    const context = await inbox.browser.newContext({ permissions: ['notifications'] });
    const page = await context.newPage();
    // A headless page is never hidden and shows no notification: make it hidden, and record what it would show.
    await page.addInitScript(() => {
      Object.defineProperty(Document.prototype, 'hidden', { get: () => true });
      const shown: string[] = [];
      (window as unknown as { __shown: string[] }).__shown = shown;
      const real = window.Notification;
      // Called with `new`, a function that returns an object gives that object.
      const recorder = function (title: string) {
        shown.push(title);
        return { onclick: null };
      };
      Object.defineProperty(recorder, 'permission', { get: () => real.permission });
      window.Notification = Object.assign(recorder, { requestPermission: real.requestPermission.bind(real) }) as unknown as typeof Notification;
    });
    await page.goto(inbox.base);
    await page.locator('.conn-live').waitFor();
    await inbox.send({ subject: 'Before notifications' });
    await page.locator('.row', { hasText: 'Before notifications' }).waitFor();
    await page.getByRole('button', { name: 'Browser notifications for new mail' }).click();
    await page.locator('button[aria-pressed="true"][aria-label="Browser notifications for new mail"]').waitFor();
    await inbox.send({ subject: 'Ping for you' });
    await page.locator('.row', { hasText: 'Ping for you' }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __shown: string[] }).__shown)).toEqual(['Ping for you']);
    await context.close();
    await fetch(`${inbox.base}api/v1/messages`, { method: 'DELETE' });
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

    // A search the server refuses says why, and leaves no rows of the search before it.
    await page.keyboard.press('/');
    await page.keyboard.type('subject:"unterminated');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Could not load messages: unbalanced quotes in search query' }).waitFor();
    expect(await page.locator('.row').count()).toBe(0);
    await page.close();
    await shared.close();
  });

  it('closes a message deleted elsewhere while it is open, and keeps a refused tag from the server beside the tags', async () => {
    await inbox.send({ subject: 'Deleted in another tab' });
    const [summary] = (await inbox.api<ListJson>(`api/v1/search?query=${encodeURIComponent('subject:"Deleted in another tab"')}`)).messages;
    const page = await inbox.open(`?m=${summary?.ID}`);
    await page.locator('#message-subject', { hasText: 'Deleted in another tab' }).waitFor();
    // Two spaces make no tag (the server's rule): said beside the tags, the message stays open.
    await page.getByRole('textbox', { name: 'Add a tag' }).fill('two  spaces');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'single spaces' }).waitFor();
    expect(await page.locator('#message-subject').innerText()).toContain('Deleted in another tab');
    expect((await inbox.api<{ Tags: string[] }>(`api/v1/message/${summary?.ID}`)).Tags).toEqual([]);
    await fetch(`${inbox.base}api/v1/messages`, { method: 'DELETE', body: JSON.stringify({ IDs: [summary?.ID] }) });
    await page.locator('#message-subject').waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.get('m')).toBeNull();
    await page.close();
  });
});

describe.runIf(hasChromium())('web inbox: selection, bulk actions, and a long list', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await startInbox();
  });
  // Each test starts from an empty inbox, so one that fails leaves nothing to the next.
  beforeEach(async () => {
    await fetch(`${inbox.base}api/v1/messages`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await inbox?.stop();
  });

  it('marks selected messages read and unread, deletes a selection, then deletes all', async () => {
    for (const subject of ['one', 'two', 'three', 'four']) await inbox.send({ subject: `Bulk ${subject}` });
    const page = await inbox.open();
    await page.locator('.count', { hasText: '4 messages' }).waitFor();
    await page.getByRole('checkbox', { name: 'Select "Bulk one"' }).check();
    await page.getByRole('checkbox', { name: 'Select "Bulk two"' }).check();
    await page.locator('.count', { hasText: '2 selected' }).waitFor();
    await page.getByRole('button', { name: 'Mark selected read' }).click();
    await page.locator('.row.read', { hasText: 'Bulk two' }).waitFor();
    const read = async () =>
      (await inbox.api<ListJson>('api/v1/messages')).messages
        .filter((m) => m.Read)
        .map((m) => m.Subject)
        .sort();
    // The list is marked at once and the server asked after: poll the server for it.
    await expect.poll(read).toEqual(['Bulk one', 'Bulk two']);
    await page.getByRole('button', { name: 'Mark selected unread' }).click();
    await page.locator('.row.unread', { hasText: 'Bulk two' }).waitFor();
    await expect.poll(read).toEqual([]);

    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.locator('.count', { hasText: '2 messages' }).waitFor();
    await expect.poll(async () => (await inbox.api<ListJson>('api/v1/messages')).messages.map((m) => m.Subject).sort()).toEqual(['Bulk four', 'Bulk three']);

    page.on('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete all' }).click();
    await page.getByText('No messages yet').waitFor();
    await expect.poll(async () => (await inbox.api<ListJson>('api/v1/messages')).messages_count).toBe(0);
    await page.close();
  });

  it('selects with x and deletes with the Delete key', async () => {
    await inbox.send({ subject: 'Key one' });
    await inbox.send({ subject: 'Key two' });
    const page = await inbox.open();
    await page.locator('.row', { hasText: 'Key one' }).waitFor();
    await page.keyboard.press('x');
    await page.locator('.count', { hasText: '1 selected' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Select "Key two"' }).isChecked()).toBe(true);
    await page.keyboard.press('Delete');
    await page.locator('.row', { hasText: 'Key two' }).waitFor({ state: 'detached' });
    await page.keyboard.press('Enter');
    await page.locator('#message-subject', { hasText: 'Key one' }).waitFor();
    await page.keyboard.press('Delete');
    await page.getByText('No messages yet').waitFor();
    await expect.poll(async () => (await inbox.api<ListJson>('api/v1/messages')).messages_count).toBe(0);
    await page.close();
  });

  it('keeps only the rows in view in the DOM and loads pages as the list scrolls', async () => {
    const count = 2_000;
    for (let i = 0; i < count; i++) {
      inbox.box.store.deliver({ raw: Buffer.from(`From: n${i}@x.test\r\nSubject: Row ${i}\r\n\r\nbody ${i}\r\n`), envelope: { mailFrom: `n${i}@x.test`, rcptTo: ['bob@blue.test'] } });
    }
    const page = await inbox.open();
    await page.locator('.row .subject', { hasText: `Row ${count - 1}` }).waitFor();
    expect(await page.locator('.row').count()).toBeLessThan(60);
    await page.locator('.list-scroll').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.locator('.row .subject', { hasText: /^Row 0$/ }).waitFor();
    expect(await page.locator('.row').count()).toBeLessThan(60);
    // A message arriving while scrolled keeps the list in order, newest first.
    await inbox.send({ subject: 'Arrived while scrolled' });
    await page.locator('.count', { hasText: `${count + 1} messages` }).waitFor();
    await page.locator('.list-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
    await page.locator('.row', { hasText: 'Arrived while scrolled' }).waitFor();
    await page.close();
  });
});

describe.runIf(hasChromium())('web inbox: connection and error states, webroot', () => {
  it('shows an error with a retry when the API fails, then recovers', async () => {
    const inbox = await startInbox();
    await inbox.send({ subject: 'After the outage' });
    const page = await inbox.browser.newPage();
    await page.route('**/api/v1/messages?*', (route) => route.fulfill({ status: 500, contentType: 'text/plain', body: 'database on fire' }));
    await page.goto(inbox.base);
    await page.getByRole('alert').filter({ hasText: 'database on fire' }).waitFor();
    await page.unroute('**/api/v1/messages?*');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.locator('.row', { hasText: 'After the outage' }).waitFor();
    await inbox.stop();
  });

  it('works under a --webroot prefix', async () => {
    const inbox = await startInbox({ webroot: '/mail/' });
    await inbox.send({ subject: 'Under a prefix' });
    const page = await inbox.open('mail/');
    await page.locator('.row-link', { hasText: 'Under a prefix' }).click();
    await page.locator('#message-subject', { hasText: 'Under a prefix' }).waitFor();
    await page.locator('.conn-live').waitFor();
    expect(new URL(page.url()).pathname).toBe('/mail/');
    await inbox.stop();
  });

  it('shows when the live connection drops', async () => {
    const inbox = await startInbox();
    const page = await inbox.open();
    await page.locator('.conn-live').waitFor();
    await inbox.box.stop(0);
    await page.locator('.conn', { hasText: /Offline|Connecting/ }).waitFor();
    await inbox.browser.close();
  });
});
