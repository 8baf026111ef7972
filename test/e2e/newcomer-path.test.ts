import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, seriousAxeViolations } from '../helpers/browser.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

const ARTIFACTS = 'test-artifacts';
const DESKTOP = { viewport: { width: 1440, height: 900 } };
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
    expect(await inbox.api('api/v1/webui')).toMatchObject({ SMTPAddress: `127.0.0.1:${port}` });
    const page = await inbox.open('', { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.locator('.smtp-address', { hasText: `127.0.0.1:${port}` }).waitFor();
    await page.getByRole('button', { name: 'Copy snippet' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(new RegExp(`host: '127\\.0\\.0\\.1',\\s+port: ${port},`));
    expect(copied).toBe(await page.getByLabel('Node.js, with nodemailer').innerText());
    await page.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`lays out the empty inbox on desktop and phone, axe-clean (${scheme})`, async () => {
      for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
        const page = await inbox.open('', { ...size, colorScheme: scheme, bypassCSP: true });
        await page.getByRole('button', { name: 'Copy snippet' }).waitFor();
        await page.screenshot({ path: `${ARTIFACTS}/empty-${name}-${scheme}.png` });
        expect(await seriousAxeViolations(page)).toEqual([]);
        await page.close();
      }
    });
  }

  it('names the relay and the allowed recipients in the release dialog', async () => {
    await inbox.send({ subject: 'Release me', text: 'For real.' });
    const page = await inbox.open('', { bypassCSP: true });
    await page.locator('.row-link', { hasText: 'Release me' }).click();
    await page.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release message' });
    await dialog.getByText('MX lookup').waitFor();
    expect(await dialog.locator('.relay-facts').innerText()).toMatch(/Allowed recipients\s+@blue\.test, \*\.example\.test, carol@red\.test/);
    await page.screenshot({ path: `${ARTIFACTS}/release-relay.png` });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it('names a smarthost by host and port, and says when anyone may receive', async () => {
    // Nothing is released here, so the smarthost need not exist.
    const other = await startInbox({ releaseSmarthost: { host: 'relay.example.test', port: 2525 } });
    try {
      await other.send({ subject: 'Through the smarthost', text: 'x' });
      const page = await other.open();
      await page.locator('.row-link', { hasText: 'Through the smarthost' }).click();
      await page.getByRole('button', { name: 'Release' }).click();
      const facts = page.getByRole('dialog', { name: 'Release message' }).locator('.relay-facts');
      await facts.getByText('relay.example.test:2525').waitFor();
      expect(await facts.innerText()).toMatch(/Allowed recipients\s+any address/);
    } finally {
      await other.stop();
    }
  });
});
