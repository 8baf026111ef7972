import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, seriousAxeViolations } from '../helpers/browser.js';
import { hasSpamd, startSpamd, type Spamd } from '../helpers/spamd.js';
import { type Inbox, startInbox } from './inbox-fixture.js';

describe.runIf(hasChromium() && hasSpamd())('web inbox: the Spam tab', () => {
  let spamd: Spamd;
  let inbox: Inbox;
  beforeAll(async () => {
    spamd = await startSpamd();
    inbox = await startInbox({ enableSpamassassin: { host: '127.0.0.1', port: spamd.port } });
  }, 60_000);
  afterAll(async () => {
    await inbox?.stop();
    await spamd?.stop();
  });

  it("shows SpamAssassin's score and the rules that matched, accessibly", async () => {
    await inbox.send({ subject: 'BUY VIAGRA NOW!!! FREE MONEY', text: 'Click here to win $1,000,000 free money viagra casino' });
    // axe is injected as a script, which the inbox's CSP would refuse.
    const page = await inbox.open('', { bypassCSP: true });
    await page.locator('.row-link', { hasText: 'BUY VIAGRA' }).click();
    await page.getByRole('tab', { name: 'Spam' }).click();
    const verdict = page.locator('.spam [role=status]');
    await expect(verdict.innerText()).resolves.toMatch(/^Score \d+\.\d: SpamAssassin would mark this message as spam\.$/);
    const rules = await page.locator('.spam-rules tbody th').allInnerTexts();
    expect(rules).toContain('SUBJ_ALL_CAPS');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe.runIf(hasChromium())('web inbox without SpamAssassin', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await startInbox();
  });
  afterAll(async () => {
    await inbox?.stop();
  });

  it('has no Spam tab', async () => {
    await inbox.send({ subject: 'Plain', text: 'hello' });
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: 'Plain' }).click();
    await page.getByRole('tab', { name: 'Link check' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Spam' }).count()).toBe(0);
    await page.close();
  });
});
