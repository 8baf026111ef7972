import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNROUTED_TEXT } from '../../server/inboxes/router.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf } from '../helpers/stored-bytes.js';
import { requireTool } from '../helpers/tools.js';
import { ehlo } from '../smtp/smtp-dialogue.js';
import { inboxesFile, TEAM } from './fixtures.js';
import { sendSmtp } from '../helpers/inbox-sandbox.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const message = (subject: string, headers = '') => `From: app@x.test\r\nTo: bob@x.test\r\n${headers}Subject: ${subject}\r\n\r\nHello\r\n`;

function sendAs(box: TestSandbox, auth: { user: string; pass: string } | undefined, to: string[], raw: string) {
  return sendSmtp(box.port('smtp'), auth, { envelope: { from: 'app@x.test', to }, raw });
}

const subjects = (box: TestSandbox, inbox: string) =>
  box.inboxes
    ?.get(inbox)
    ?.store.messages()
    .map((m) => m.summary.subject) ?? [];

describe('SMTP with team inboxes', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ inboxes: await inboxesFile() });
  });
  afterAll(() => box.stop(0));

  it('offers AUTH and files a message sent with an inbox credential in that inbox, recording the user', async () => {
    await sendAs(box, { user: 'billing-app', pass: 'b-pass' }, ['someone@elsewhere.test'], message('billing one'));
    const [stored] = box.inboxes?.get('billing')?.store.messages() ?? [];
    expect(stored?.summary.subject).toBe('billing one');
    expect(stored?.client.username).toBe('billing-app');
    expect(subjects(box, 'shop')).not.toContain('billing one');
  });

  it('answers 535 to a wrong inbox credential and to a reader password', async () => {
    await expect(sendAs(box, { user: 'shop-app', pass: 'b-pass' }, ['a@shop.test'], message('x'))).rejects.toMatchObject({ responseCode: 535 });
    await expect(sendAs(box, { user: 'ops', pass: 'pw-ops' }, ['a@shop.test'], message('x'))).rejects.toMatchObject({ responseCode: 535 });
  });

  it('routes a header rule before the AUTH credential, and the credential before the recipients', async () => {
    await sendAs(box, { user: 'shop-app', pass: 's3cret' }, ['a@billing.test'], message('by header', 'X-Application: SRS\r\n'));
    expect(subjects(box, 'srs')).toContain('by header');
    expect(subjects(box, 'shop')).not.toContain('by header');
    await sendAs(box, { user: 'shop-app', pass: 's3cret' }, ['a@billing.test'], message('by credential'));
    expect(subjects(box, 'shop')).toContain('by credential');
    expect(subjects(box, 'billing')).not.toContain('by credential');
  });

  it('takes a client that did not authenticate when a recipient rule routes its message, into every inbox it names with one Buffer', async () => {
    await sendAs(box, undefined, ['a@both.test'], message('to two'));
    const inBilling = box.inboxes?.get('billing')?.store.messages().find((m) => m.summary.subject === 'to two');
    const inCrm = box.inboxes?.get('crm')?.store.messages().find((m) => m.summary.subject === 'to two');
    expect(inBilling && inCrm).toBeTruthy();
    const billingBytes = await bytesOf(box.inboxes!.get('billing')!.store, inBilling);
    expect(billingBytes).toBeInstanceOf(Buffer);
    expect(billingBytes).toBe(await bytesOf(box.inboxes!.get('crm')!.store, inCrm));
    expect(inBilling?.client.username).toBe('');
  });

  it('refuses at the end of DATA with 550 5.7.1 what no rule routes, and the session goes on', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines).toContain('AUTH PLAIN LOGIN');
    const refused = await smtp.send('app@x.test', ['nobody@elsewhere.test'], message('lost'));
    expect(refused.code).toBe(550);
    expect(refused.text).toBe(`550 5.7.1 ${UNROUTED_TEXT}`);
    const next = await smtp.send('app@x.test', ['a@shop.test'], message('after refusal'));
    expect(next.code).toBe(250);
    await smtp.quit();
    for (const inbox of box.inboxes?.list() ?? []) expect(subjects(box, inbox.name)).not.toContain('lost');
    expect(subjects(box, 'shop')).toContain('after refusal');
  });

  it('authenticates with AUTH PLAIN in a raw dialogue and prunes only the inbox past its own limit', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command(`AUTH PLAIN ${b64('\0shop-app\0s3cret')}`)).code).toBe(235);
    const billingBefore = box.inboxes?.get('billing')?.store.stats().messages;
    for (let i = 0; i < 4; i++) expect((await smtp.send('app@x.test', ['a@shop.test'], message(`shop ${i}`))).code).toBe(250);
    await smtp.quit();
    expect(subjects(box, 'shop')).toEqual(['shop 2', 'shop 3']);
    expect(box.inboxes?.get('billing')?.store.stats().messages).toBe(billingBefore);
  });

  it('takes mail from a dynamic inbox credential at once', async () => {
    const made = box.inboxes?.create('ci-42', undefined);
    if (!made || 'error' in made) throw new Error('not made');
    await sendAs(box, { user: made.smtpUser, pass: made.smtpPassword }, ['a@shop.test'], message('from ci'));
    expect(subjects(box, 'ci-42')).toEqual(['from ci']);
    expect(box.inboxes?.remove('ci-42')).toBe(true);
    await expect(sendAs(box, { user: made.smtpUser, pass: made.smtpPassword }, ['a@shop.test'], message('x'))).rejects.toMatchObject({ responseCode: 535 });
  });
});

describe('SMTP with an unrouted inbox', () => {
  it('files mail no rule routes in the unrouted inbox', async () => {
    const box = await startTestSandbox({ inboxes: await inboxesFile({ ...TEAM, unrouted: 'crm' }) });
    try {
      await sendAs(box, undefined, ['nobody@elsewhere.test'], message('stray'));
      expect(subjects(box, 'crm')).toEqual(['stray']);
    } finally {
      await box.stop(0);
    }
  });

  it('keeps --max-messages across all inboxes, the oldest of all pruned first', async () => {
    const box = await startTestSandbox({ inboxes: await inboxesFile(), maxMessages: 3 });
    try {
      await sendAs(box, undefined, ['a@billing.test'], message('one'));
      await sendAs(box, undefined, ['a@shop.test'], message('two'));
      await sendAs(box, undefined, ['a@billing.test'], message('three'));
      await sendAs(box, undefined, ['a@shop.test'], message('four'));
      expect(subjects(box, 'billing')).toEqual(['three']);
      expect(subjects(box, 'shop')).toEqual(['two', 'four']);
    } finally {
      await box.stop(0);
    }
  });
});

describe('the services of each inbox', () => {
  it('index every inbox’s mail, run release per inbox, and stop with the inbox', async () => {
    const box = await startTestSandbox({ inboxes: await inboxesFile(), releaseSmarthost: { host: '127.0.0.1', port: 9 } });
    try {
      const shop = box.inboxes?.get('shop');
      const billing = box.inboxes?.get('billing');
      if (!shop || !billing) throw new Error('missing inboxes');
      // Each inbox has a release service of its own, so its history stays inside it.
      expect(shop.release).toBeDefined();
      expect(billing.release).toBeDefined();
      expect(shop.release).not.toBe(billing.release);
      expect(box.release).toBeUndefined();
      const indexed = new Promise<string | undefined>((resolve) => billing.store.on('indexed', ({ message }) => resolve(message.body?.snippet)));
      await sendAs(box, undefined, ['a@billing.test'], message('indexed one'));
      expect(await indexed).toBe('Hello');
      // An inbox made at run time gets its own indexer too.
      const made = box.inboxes?.create('late', undefined);
      if (!made || 'error' in made) throw new Error('not made');
      expect(made.inbox.release).toBeDefined();
      const late = new Promise<string | undefined>((resolve) => made.inbox.store.on('indexed', ({ message }) => resolve(message.body?.snippet)));
      await sendAs(box, { user: made.smtpUser, pass: made.smtpPassword }, ['a@x.test'], message('late one'));
      expect(await late).toBe('Hello');
    } finally {
      await box.stop(0);
    }
  });
});

describe('webhooks with team inboxes', () => {
  it('are called by the inbox that took the message, which names itself', async () => {
    const calls: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      calls.push(request.headers);
      request.resume().on('end', () => response.end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const box = await startTestSandbox({ inboxes: await inboxesFile(), webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` });
    try {
      const called = once(server, 'request');
      await sendAs(box, undefined, ['a@shop.test'], message('hooked'));
      await called;
      expect(calls.map((h) => h['x-letterbox-inbox'])).toEqual(['shop']);
    } finally {
      await box.stop(0);
      server.close();
    }
  });
});

describe('HTTP send to all inboxes with team inboxes', () => {
  it('answers 422 with the reason when no rule routes the message, and files one that a rule routes', async () => {
    const box = await startTestSandbox({ inboxes: await inboxesFile() });
    try {
      const send = (to: string) =>
        fetch(`http://127.0.0.1:${box.port('http')}/all/api/v1/send`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Basic ${b64('ops:pw-ops')}` },
          body: JSON.stringify({ From: { Email: 'app@x.test' }, To: [{ Email: to }], Subject: 'over http', Text: 'hi' }),
        });
      const refused = await send('nobody@elsewhere.test');
      expect(refused.status).toBe(422);
      expect(await refused.json()).toEqual({ Error: UNROUTED_TEXT });
      expect((await send('bob@shop.test')).status).toBe(200);
      expect(subjects(box, 'shop')).toEqual(['over http']);
    } finally {
      await box.stop(0);
    }
  });
});

describe.runIf(requireTool('swaks'))('swaks with team inboxes', () => {
  /** swaks to the sandbox; resolves with its exit code and what it printed of the dialogue. */
  const swaks = (box: TestSandbox, args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile('swaks', ['--server', `127.0.0.1:${box.port('smtp')}`, '--from', 'app@x.test', '--helo', 'swaks.test', ...args], (error, stdout) => {
        resolve({ code: error ? Number(error.code) : 0, out: stdout });
      });
    });

  it('files mail sent with AUTH LOGIN as an inbox credential there, and shows the 550 5.7.1 of mail no rule takes', async () => {
    const box = await startTestSandbox({ inboxes: await inboxesFile() });
    try {
      const sent = await swaks(box, ['--to', 'bob@elsewhere.test', '--header', 'Subject: from swaks', '--auth', 'LOGIN', '--auth-user', 'billing-app', '--auth-password', 'b-pass']);
      expect(sent.code).toBe(0);
      expect(subjects(box, 'billing')).toEqual(['from swaks']);
      const refused = await swaks(box, ['--to', 'bob@elsewhere.test', '--header', 'Subject: stray']);
      expect(refused.code).not.toBe(0);
      expect(refused.out).toContain(`<** 550 5.7.1 ${UNROUTED_TEXT}`);
    } finally {
      await box.stop(0);
    }
  });
});
