import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.js';
import { startSink, type SmtpSink } from '../relay/smtp-sink.js';
import { type Inbox, type ListJson, startInbox } from './inbox-fixture.js';

/** The release dialog follows a message's releases as they happen, whoever started them. */
describe.runIf(hasChromium())('web inbox: release progress, live', () => {
  let sink: SmtpSink;
  let inbox: Inbox;
  beforeAll(async () => {
    // later@ is refused for now (451): its release is retried in the background.
    sink = await startSink({ rcpt: (address) => (address === 'later@red.test' ? { code: 451, message: 'try again later' } : null) });
    inbox = await startInbox({ releaseSmarthost: { host: '127.0.0.1', port: sink.port }, releaseAllowInsecure: true });
  });
  afterAll(async () => {
    await inbox?.stop();
    await sink?.close();
  });

  it('shows a release made meanwhile through the API in an open dialog, without a reload', async () => {
    await inbox.send({ subject: 'Watched release', text: 'For real, later.' });
    const [message] = (await inbox.api<ListJson>('api/v1/messages')).messages;
    const page = await inbox.open();
    await page.locator('.conn-live').waitFor();
    await page.locator('.row-link', { hasText: 'Watched release' }).click();
    await page.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release message' });
    await dialog.getByRole('textbox', { name: 'Recipients' }).waitFor();
    expect(await dialog.getByRole('region', { name: 'Past releases' }).count()).toBe(0);

    let navigated = false;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigated = true;
    });
    // Released by someone else (a script, another node's web inbox) while the dialog is open.
    const released = await fetch(`${inbox.base}api/v1/message/${message?.ID}/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ To: ['carol@red.test'] }),
    });
    expect(released.status).toBe(200);
    const past = dialog.getByRole('region', { name: 'Past releases' });
    await past.getByRole('cell', { name: 'carol@red.test' }).waitFor();
    expect(await past.locator('.outcome-delivered').innerText()).toBe('delivered');
    expect(await past.getByLabel('SMTP transcript').innerText()).toContain('RCPT TO:<carol@red.test>');
    expect(navigated).toBe(false);
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['carol@red.test']]);
    await page.close();
  });

  /** Sends a message, opens it, and releases it to `to` from the dialog; the page and the dialog. */
  async function releaseFromDialog(subject: string, to: string) {
    await inbox.send({ subject, text: 'Now.' });
    const page = await inbox.open();
    await page.locator('.row-link', { hasText: subject }).click();
    await page.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release message' });
    await dialog.getByRole('textbox', { name: 'Recipients' }).fill(to);
    await dialog.getByRole('button', { name: 'Release' }).click();
    return { page, dialog };
  }

  it('Escape after releasing from the dialog closes the dialog only, not the message behind it', async () => {
    const { page, dialog } = await releaseFromDialog('Released by hand', 'dan@red.test');
    await dialog.getByRole('region', { name: 'Past releases' }).getByRole('cell', { name: 'dan@red.test' }).waitFor();
    // The button was disabled while busy, so the focus may have left the dialog.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('#message-subject').innerText()).toBe('Released by hand');
    expect(new URL(page.url()).searchParams.get('m')).not.toBeNull();
    await page.close();
  });

  it('says a release refused for now is being retried, not that it was delivered', async () => {
    const { page, dialog } = await releaseFromDialog('Released later', 'later@red.test');
    const status = dialog.getByRole('status').filter({ hasText: 'retrying in the background' });
    await status.waitFor();
    expect(await status.getAttribute('class')).toBe('muted');
    await page.close();
  });
});
