import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from './http-helpers.js';

const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

let api: ApiBox;
let client: MailpitClient;

beforeAll(async () => {
  api = await startApi();
  client = new MailpitClient(api.base);
});
afterAll(async () => {
  await api.stop();
});

/**
 * The published mailpit-api client, unchanged, driving every method that maps to a
 * route Letterbox implements, against mail sent over SMTP by nodemailer.
 * Release and chaos are driven by the same client in test/relay/release-api.test.ts and
 * test/chaos/chaos.test.ts, spamAssassinCheck against a real spamd in test/spam/.
 */
describe('mailpit-api client', () => {
  let id = '';

  beforeAll(async () => {
    id = (
      await api.send({
        from: 'Shop <shop@example.test>',
        to: 'Buyer <buyer@example.test>',
        subject: 'Order 1001 confirmed',
        text: 'Thanks for your order.',
        html: '<p>Thanks for your <b>order</b>.</p>',
        attachments: [{ filename: 'receipt.png', content: PNG_1PX, contentType: 'image/png' }],
      })
    ).id;
  });

  it('reads info and configuration', async () => {
    const info = await client.getInfo();
    expect(info.Messages).toBe(1);
    expect(typeof info.RuntimeStats.Uptime).toBe('number');
    const config = await client.getConfiguration();
    expect(config.MessageRelay.Enabled).toBe(false);
  });

  it('lists, searches and reads messages', async () => {
    const list = await client.listMessages();
    expect(list.messages[0]?.ID).toBe(id);
    expect(list.messages[0]?.Subject).toBe('Order 1001 confirmed');
    const found = await client.searchMessages({ query: 'subject:"order 1001"' });
    expect(found.messages_count).toBe(1);
    const message = await client.getMessageSummary();
    expect(message.ID).toBe(id);
    expect(message.HTML).toContain('<b>order</b>');
    expect(message.Attachments[0]?.FileName).toBe('receipt.png');
    const headers = await client.getMessageHeaders(id);
    expect(headers['Subject']).toEqual(['Order 1001 confirmed']);
    const source = await client.getMessageSource(id);
    expect(source).toBe((await api.box.store.readRaw(id))?.toString());
  });

  it('downloads an attachment and its thumbnail', async () => {
    const partId = (await client.getMessageSummary(id)).Attachments[0]?.PartID ?? '';
    const blob = await client.getMessageAttachment(id, partId);
    expect(Buffer.from(await blob.arrayBuffer()).equals(PNG_1PX)).toBe(true);
    const thumb = await client.getAttachmentThumbnail(id, partId);
    expect(thumb.type).toBe('image/jpeg');
  });

  it('renders HTML and text', async () => {
    expect(await client.renderMessageHTML(id)).toContain('<b>order</b>');
    expect(await client.renderMessageText(id)).toContain('Thanks for your order.');
  });

  it('checks the HTML and the links of a message', async () => {
    const html = await client.htmlCheck(id);
    expect(html.Total.Tests).toBeGreaterThan(0);
    expect(Object.keys(html.Platforms).length).toBeGreaterThan(0);
    const links = await client.linkCheck(id);
    expect(links).toEqual({ Errors: 0, Links: [] });
  });

  it('sets read status by IDs and by search', async () => {
    expect(await client.setReadStatus({ IDs: [id], Read: false })).toBe('ok');
    expect(api.box.store.stats().unread).toBe(1);
    expect(await client.setReadStatus({ Search: 'from:shop@example.test', Read: true })).toBe('ok');
    expect(api.box.store.stats().unread).toBe(0);
  });

  it('manages tags', async () => {
    expect(await client.setTags({ IDs: [id], Tags: ['orders', 'paid'] })).toBe('ok');
    expect(await client.getTags()).toEqual(['orders', 'paid']);
    expect(await client.renameTag('paid', 'settled')).toBe('ok');
    expect(await client.deleteTag('orders')).toBe('ok');
    expect(await client.getTags()).toEqual(['settled']);
  });

  it('sends, then waits for messages', async () => {
    const { ID } = await client.sendMessage({
      From: { Email: 'app@example.test' },
      To: [{ Email: 'user@example.test', Name: 'User' }],
      Subject: 'Welcome aboard',
      Text: 'Hello!',
      Tags: ['welcome'],
    });
    const waited = await client.waitForMessage({ query: 'subject:welcome' }, { timeout: 5000, interval: 50 });
    expect(waited.ID).toBe(ID);
    expect(waited.Tags).toEqual(['welcome']);
    const two = await client.waitForMessages({ count: 2, exact: true }, { timeout: 5000, interval: 50 });
    expect(two.messages_count).toBe(2);
  });

  it('deletes by search, by IDs, and all', async () => {
    expect(await client.deleteMessagesBySearch({ query: 'subject:welcome' })).toBe('ok');
    expect(api.box.store.stats().messages).toBe(1);
    expect(await client.deleteMessages({ IDs: [id] })).toBe('ok');
    expect(api.box.store.stats().messages).toBe(0);
    await api.send({ subject: 'one more' });
    expect(await client.deleteMessages()).toBe('ok');
    const empty = await client.waitForMessages({ count: 0 }, { timeout: 5000, interval: 50 });
    expect(empty.messages_count).toBe(0);
  });

  it('surfaces errors for unknown messages', async () => {
    await expect(client.getMessageSummary('no-such-id')).rejects.toThrow(/404/);
  });
});
