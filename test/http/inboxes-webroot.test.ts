import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LetterboxClient } from '../../server/client/index.js';
import { AS, startInboxHttp, type InboxHttp } from './inbox-helpers.js';

let http: InboxHttp;

beforeAll(async () => {
  http = await startInboxHttp({ webroot: '/mail/' });
  await http.deliver('shop', 'under a webroot');
});
afterAll(async () => {
  await http.stop();
});

describe('team inboxes under --webroot', () => {
  it('serves the picker, the inboxes and their API below the webroot only', async () => {
    expect(http.base).toMatch(/\/mail$/);
    const picker = await http.call('/', AS.alice);
    expect(picker.status).toBe(200);
    // Relative links: from /mail/ they lead to /mail/inbox/shop/.
    expect(await picker.text()).toContain('href="inbox/shop/"');
    const list = (await (await http.call('/inbox/shop/api/v1/messages', AS.alice)).json()) as { messages: Array<{ Subject: string }> };
    expect(list.messages.map((m) => m.Subject)).toEqual(['under a webroot']);
    const inboxes = (await (await http.call('/api/v1/inboxes', AS.alice)).json()) as Array<{ URL: string }>;
    expect(inboxes.map((i) => i.URL)).toEqual([`${http.base}/inbox/shop/`]);
    const outside = await fetch(`http://127.0.0.1:${http.port}/inbox/shop/api/v1/messages`, { headers: { authorization: AS.alice } });
    expect(outside.status).toBe(404);
  });

  it('upgrades an inbox events path below the webroot', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${http.port}/mail/inbox/shop/api/events`, { headers: { authorization: AS.alice } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.close();
  });
});

describe('roots follow the directory', () => {
  it('drops a removed inbox (its sockets close, its routes 404) and serves a new one of the same name afresh', async () => {
    const ops = new LetterboxClient(http.base, { auth: { username: 'ops', password: 'pw-ops' } });
    await ops.createInbox('mr-7');
    await http.deliver('mr-7', 'first life');
    expect((await ops.inbox('mr-7').list()).total).toBe(1);
    const socket = new WebSocket(`ws://127.0.0.1:${http.port}/mail/inbox/mr-7/api/events`, { headers: { authorization: AS.ops } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await ops.deleteInbox('mr-7');
    await closed;
    expect((await http.call('/inbox/mr-7/api/v1/messages', AS.ops)).status).toBe(404);
    await ops.createInbox('mr-7');
    expect((await ops.inbox('mr-7').list()).total).toBe(0);
    await http.deliver('mr-7', 'second life');
    expect((await ops.inbox('mr-7').list()).messages.map((m) => m.Subject)).toEqual(['second life']);
    await ops.deleteInbox('mr-7');
  });
});
