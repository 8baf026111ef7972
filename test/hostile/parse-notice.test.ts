import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';
import { type Inbox, startInbox } from '../e2e/inbox-fixture.js';
import { addressFlood, fieldFlood, LATE_FIELDS } from './huge-headers.js';

/**
 * The web inbox on messages the parser could not read whole: the message view shows
 * the server's ParseError above the body (the raw text then), and a cut address list
 * says how many more there are; an ordinary message shows no notice.
 */
describe.runIf(hasChromium())('web inbox: the parse notice', () => {
  let inbox: Inbox;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    inbox = await startInbox();
    const smtp = await SmtpDialogue.open(inbox.box.port('smtp'));
    for (const [name, raw] of [
      ['fields', fieldFlood(20_000)],
      ['addresses', addressFlood(2_000)],
    ] as const) {
      ids[name] = queuedId(await smtp.send(Buffer.concat([stuffAfterCrlf(raw), Buffer.from('.\r\n')])));
    }
    smtp.close();
    await inbox.send({ subject: 'Plain and whole', text: 'nothing odd here' });
  }, 60_000);
  afterAll(async () => {
    await inbox?.stop();
  });

  it('shows ParseError above the raw text of a message the parser gave up on', async () => {
    const { ParseError } = await inbox.api<{ ParseError: string }>(`api/v1/message/${ids['fields']}`);
    expect(ParseError).not.toBe('');
    const page = await inbox.open(`?m=${ids['fields']}`);
    await page.locator('#message-subject', { hasText: LATE_FIELDS.subject }).waitFor();
    const notice = page.getByRole('note', { name: 'Parse notice' });
    await notice.waitFor();
    expect(await notice.innerText()).toBe(ParseError);
    await page.getByRole('tab', { name: 'Text' }).click();
    const body = page.getByLabel('Text body');
    expect(await body.innerText()).toContain('X-Flood-19999: 19999');
    const [noticeBox, bodyBox] = [await notice.boundingBox(), await body.boundingBox()];
    expect(noticeBox && bodyBox && noticeBox.y + noticeBox.height <= bodyBox.y).toBe(true);
    await page.close();
  });

  it('says how many addresses a cut list leaves out', async () => {
    const page = await inbox.open(`?m=${ids['addresses']}`);
    await page.locator('#message-subject').waitFor();
    await expect(page.locator('dd', { hasText: 'user999@blue.example' }).first().innerText()).resolves.toContain('and 1,000 more');
    await page.close();
  });

  it('shows no notice for an ordinary message', async () => {
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: 'Plain and whole' }).click();
    await page.locator('#message-subject', { hasText: 'Plain and whole' }).waitFor();
    expect(await page.getByRole('note', { name: 'Parse notice' }).count()).toBe(0);
    await page.close();
  });
});
