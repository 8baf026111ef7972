import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, seriousAxeViolations } from '../helpers/browser.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

const HTML = [
  '<html><head><style>',
  '.cols { display: flex }',
  '</style></head><body>',
  '<div class="cols"><p>Left</p><p>Right</p></div>',
  '<svg width="10" height="10"><rect width="10" height="10"/></svg>',
  '</body></html>',
].join('\n');

describe.runIf(hasChromium())('web inbox: HTML check tab', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await startInbox();
    await inbox.send({ subject: 'Flex newsletter', text: 'plain', html: HTML });
    await inbox.send({ subject: 'Plain note', text: 'only text' });
  });
  afterAll(async () => {
    await inbox?.stop();
  });

  it('shows the overall score, per-client scores, and each feature with its offending lines', async () => {
    // bypassCSP lets axe's script in; the next test runs the tab under the inbox's own CSP.
    const page = await inbox.open('', { bypassCSP: true });
    await page.locator('.row-link', { hasText: 'Flex newsletter' }).click();
    await page.getByRole('tab', { name: 'HTML check' }).click();
    await page.getByRole('heading', { name: 'Overall support' }).waitFor();

    const overall = await page.locator('.check-total').innerText();
    expect(overall).toMatch(/\d+(\.\d)?% supported · \d+(\.\d)?% partial · \d+(\.\d)?% not supported/);

    const clients = page.locator('.check-clients tbody tr');
    expect(await clients.count()).toBeGreaterThan(10);
    expect(await page.locator('.check-clients').innerText()).toContain('Outlook');

    const flex = page.locator('.check-warning', { hasText: 'display:flex' });
    await flex.locator('summary').click();
    const lines = flex.locator('.check-lines li');
    expect(await lines.count()).toBe(1);
    expect(await lines.locator('.check-line-no').innerText()).toBe('Line 2');
    expect(await lines.locator('code').innerText()).toBe('.cols { display: flex }');
    expect(await flex.getByRole('link', { name: /caniemail\.com/ }).getAttribute('href')).toBe('https://www.caniemail.com/features/css-display-flex/');

    const svg = page.locator('.check-warning', { hasText: 'Embedded <svg> image' });
    await svg.locator('summary').click();
    expect(await svg.locator('.check-lines').innerText()).toContain('Line 5');
    expect(await svg.locator('.check-results').innerText()).toMatch(/Gmail .*\n?\s*Not supported/);

    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it('draws the score bars under the inbox CSP, and offers the tab only for a message with HTML', async () => {
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: 'Flex newsletter' }).click();
    await page.getByRole('tab', { name: 'HTML check' }).click();
    const supported = page.locator('.check-total .check-yes');
    await supported.waitFor();
    expect(await supported.evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(0);

    await page.locator('.row-link', { hasText: 'Plain note' }).click();
    await page.getByRole('tab', { name: 'Text' }).waitFor();
    expect(await page.getByRole('tab', { name: 'HTML check' }).count()).toBe(0);
    await page.close();
  });
});
