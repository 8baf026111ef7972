import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSmtp, startInboxSandbox, type InboxSandbox } from '../helpers/inbox-sandbox.js';

const FILE = {
  inboxes: {
    shop: { recipients: ['*@shop.test'] },
    billing: { smtp: ['billing-app:b-s3cret'] },
  },
  users: { ops: { password: 'pw-ops', inboxes: ['*'] } },
};
const OPS = { authorization: 'Basic ' + Buffer.from('ops:pw-ops').toString('base64') };

interface Summary {
  ID: string;
  Subject: string;
  Read: boolean;
}
interface List {
  messages: Summary[];
  messages_count: number;
  unread: number;
}

/** The full sandbox with --inboxes: mail in over SMTP, the "all inboxes" view over HTTP, both on the union of the inboxes. */
describe('all inboxes over HTTP (/all/)', () => {
  let box: InboxSandbox;
  let base: string;
  const raw = (subject: string) => `From: app@x.test\r\nTo: bob@x.test\r\nSubject: ${subject}\r\n\r\nHello ${subject}\r\n`;
  const toShop = (subject: string) => send(undefined, 'bob@shop.test', subject);
  const toBilling = (subject: string) => send({ user: 'billing-app', pass: 'b-s3cret' }, 'someone@elsewhere.test', subject);
  async function send(auth: { user: string; pass: string } | undefined, to: string, subject: string): Promise<void> {
    await sendSmtp(box.port('smtp'), auth, { envelope: { from: 'app@x.test', to: [to] }, raw: raw(subject) });
  }
  const call = async (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { ...OPS, ...init.headers } });
  const list = async (root: string) => (await (await call(`/${root}/api/v1/messages`)).json()) as List;

  beforeAll(async () => {
    box = await startInboxSandbox(FILE);
    base = `http://127.0.0.1:${box.port('http')}`;
  });
  afterAll(() => box.stop(0));

  it('lists every inbox newest first, each inbox only its own', async () => {
    await toShop('shop one');
    await toBilling('billing one');
    await toShop('shop two');
    const all = await list('all');
    expect(all.messages.map((m) => m.Subject)).toEqual(['shop two', 'billing one', 'shop one']);
    expect(all).toMatchObject({ messages_count: 3, unread: 3 });
    expect((await list('inbox/shop')).messages.map((m) => m.Subject)).toEqual(['shop two', 'shop one']);
    expect((await list('inbox/billing')).messages.map((m) => m.Subject)).toEqual(['billing one']);
    const billing = all.messages[1] as Summary;
    const rawBytes = await (await call(`/all/api/v1/message/${billing.ID}/raw`)).text();
    expect(rawBytes).toBe(raw('billing one'));
  });

  it("changes a message in its own inbox: read and deleted from /all/ is read and deleted in the inbox", async () => {
    const [newest, billing] = (await list('all')).messages as [Summary, Summary];
    const read = await call('/all/api/v1/messages', { method: 'PUT', body: JSON.stringify({ IDs: [billing.ID], Read: true }) });
    expect(read.status).toBe(200);
    expect((await list('inbox/billing')).messages[0]?.Read).toBe(true);
    expect((await list('all')).unread).toBe(2);
    const deleted = await call('/all/api/v1/messages', { method: 'DELETE', body: JSON.stringify({ IDs: [newest.ID] }) });
    expect(deleted.status).toBe(200);
    expect((await list('inbox/shop')).messages.map((m) => m.Subject)).toEqual(['shop one']);
    expect((await list('all')).messages_count).toBe(2);
  });

  it('waits for mail after a message of another inbox: the union numbers messages across inboxes', async () => {
    // Each inbox numbers its own messages; shop's run ahead of billing's, so by an
    // inbox's numbers a billing message would never count as newer than a shop one.
    await toShop('shop three');
    await toShop('shop four');
    await toBilling('billing two');
    const [billingTwo, shopFour] = (await list('all')).messages as [Summary, Summary];
    expect([billingTwo.Subject, shopFour.Subject]).toEqual(['billing two', 'shop four']);
    const wait = async (after: string) => (await (await call(`/all/api/v1/wait?after=${after}&timeout=10s`)).json()) as Summary;
    expect((await wait(shopFour.ID)).Subject).toBe('billing two');
    await toShop('shop five');
    const latest = (await list('all')).messages[0] as Summary;
    const waiting = wait(latest.ID);
    await toBilling('billing three');
    expect((await waiting).Subject).toBe('billing three');
  });

  it('tells the live view of every inbox about new mail from any of them', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/all/api/events`, { headers: OPS });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const subjects: string[] = [];
    const both = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { Type: string; Data: { Subject?: string } };
        if (frame.Type === 'new' && frame.Data.Subject) subjects.push(frame.Data.Subject);
        if (subjects.length === 2) resolve();
      });
    });
    await toBilling('live billing');
    await toShop('live shop');
    await both;
    ws.close();
    expect(subjects).toEqual(['live billing', 'live shop']);
  });

  it('deletes every message of every inbox at once', async () => {
    const cleared = await call('/all/api/v1/messages', { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect((await list('all')).messages_count).toBe(0);
    expect((await list('inbox/shop')).messages_count).toBe(0);
    expect((await list('inbox/billing')).messages_count).toBe(0);
  });
});
