/** Recipe in use: the Playwright fixture, with Playwright's own HTTP client reading the web inbox API. */
import { sendSignupMail } from '../signup-app.js';
import { expect, test } from './letterbox-fixture.js';

test('the sign-up code arrives and the confirmation link is in the mail', async ({ letterbox, request }) => {
  const code = await sendSignupMail(letterbox.smtp, 'pw@user.test');
  const mail = await letterbox.client.waitForMessage({ query: 'to:pw@user.test', timeout: 5000 });
  const found = await letterbox.client.extract(mail.ID);
  expect(found.Codes).toContain(code);
  // The same message through Playwright's request fixture, as a browser-side test would see the API.
  const raw = await request.get(`${letterbox.url}api/v1/message/${mail.ID}/raw`);
  expect(raw.ok()).toBe(true);
  expect(await raw.text()).toContain(`https://shop.test/confirm?code=${code}`);
});

test('each test starts with an empty mailbox', async ({ letterbox }) => {
  expect((await letterbox.client.list()).total).toBe(0);
});
