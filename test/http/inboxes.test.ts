import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LetterboxApiError, LetterboxClient } from '../../server/client/index.js';
import { INBOX_ROUTES } from '../../server/http/openapi-doc.js';
import type { StoredMessage } from '../../server/store/types.js';
import { callJson } from '../mcp/mcp-helpers.js';
import { parseInboxesFile } from '../../server/inboxes/inboxes-file.js';
import { AS, basic, INBOXES_FILE, startInboxHttp, type InboxHttp } from './inbox-helpers.js';

let http: InboxHttp;
let shopMail: StoredMessage;
let billingMail: StoredMessage;

beforeAll(async () => {
  http = await startInboxHttp();
  shopMail = await http.deliver('shop', 'shop order 1');
  await http.deliver('shop', 'shop order 2');
  billingMail = await http.deliver('billing', 'invoice for ACME');
});
afterAll(async () => {
  await http.stop();
});

/** Everything a response says: what must be identical for a missing inbox and one not yours. */
async function answer(response: Response) {
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('Basic auth with --inboxes', () => {
  const paths = ['/', '/api/v1/inboxes', '/inbox/shop/', '/inbox/shop/api/v1/messages', '/inbox/nope/api/v1/info', '/all/api/v1/messages', '/metrics', '/no/such/path', '/api/v1/openapi.json'];

  it('refuses every route without credentials, or with wrong ones, with 401 JSON and a challenge', async () => {
    for (const as of [undefined, basic('alice', 'wrong'), basic('nobody', 'pw-alice'), basic('shop-app', 's3cret'), 'Bearer abc']) {
      for (const path of paths) {
        const response = await http.call(path, as);
        expect([path, response.status]).toEqual([path, 401]);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
        expect(await response.json()).toEqual({ Error: expect.stringMatching(/^Unauthorised/) });
      }
    }
  });

  it('refuses a malformed Authorization header with 401 JSON, and reads the scheme in any case', async () => {
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    const malformed = [
      'Basic',
      'Basic !!!not-base64',
      `Basic ${b64('alice')}`,
      `Basic ${b64('alice\0:pw-alice')}`,
      `Basic ${b64('alice:pw-alice\0')}`,
      `Basic ${b64('alice:pw-alice:extra')}`,
      `Basic ${b64(':pw-alice')}`,
      `Basic ${'QUFB'.repeat(3000)}`,
      `Basic ${b64('alice:pw-alice')} trailing`,
    ];
    for (const as of malformed) {
      const response = await http.call('/api/v1/inboxes', as);
      expect([as.slice(0, 40), response.status]).toEqual([as.slice(0, 40), 401]);
      expect(await response.json()).toEqual({ Error: expect.stringMatching(/^Unauthorised/) });
    }
    expect((await http.call('/api/v1/inboxes', `basic ${b64('alice:pw-alice')}`)).status).toBe(200);
  });

  it('leaves the health probes open: they reveal no mail', async () => {
    expect((await http.call('/livez', undefined)).status).toBe(200);
    expect((await http.call('/readyz', undefined)).status).toBe(200);
  });

  it('refuses the WebSocket upgrade without credentials', async () => {
    expect(await upgrade('/inbox/shop/api/events', undefined)).toEqual({ status: 401, body: expect.stringContaining('Unauthorised') });
  });
});

describe('the inbox picker', () => {
  it('lists only the inboxes the user may read, with counts, each a link', async () => {
    const response = await http.call('/', AS.alice);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain('href="inbox/shop/"');
    expect(page).toMatch(/shop<\/span><span class="counts">2 messages, <strong>2 unread<\/strong>/);
    expect(page).toContain('Signed in as alice');
    expect(page).not.toContain('billing');
    expect(page).not.toContain('srs');
    expect(page).not.toContain('All inboxes');
  });

  it('shows a reader of two inboxes both, and a "*" user every inbox and All inboxes', async () => {
    const bob = await (await http.call('/', AS.bob)).text();
    expect(bob).toContain('href="inbox/billing/"');
    expect(bob).toContain('href="inbox/shop/"');
    expect(bob).not.toContain('srs');
    const ops = await (await http.call('/', AS.ops)).text();
    for (const name of ['billing', 'shop', 'srs']) expect(ops).toContain(`href="inbox/${name}/"`);
    expect(ops).toContain('href="all/"');
    expect(ops).toContain('All inboxes');
  });

  it('carries no script and keeps the strict Content-Security-Policy', async () => {
    const response = await http.call('/', AS.ops);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).not.toMatch(/<script|\son[a-z]+=/i);
  });
});

describe('isolation: an inbox not yours is one that does not exist', () => {
  it('answers the same 404 JSON on every route of an inbox alice may not read', async () => {
    const missing = await answer(await http.call('/inbox/nope/api/v1/messages', AS.alice));
    expect(missing).toEqual({ status: 404, type: expect.stringMatching(/^application\/json/), body: '{"Error":"no such inbox"}' });
    const routes = ['api/v1/messages', `api/v1/message/${billingMail.id}`, `api/v1/message/${billingMail.id}/raw`, 'api/v1/tags', 'api/v1/search?query=invoice', 'api/v1/info', '', 'view/latest.html', 'mcp', 'metrics'];
    for (const route of routes) {
      for (const name of ['billing', 'nope', 'srs']) {
        expect([name, route, await answer(await http.call(`/inbox/${name}/${route}`, AS.alice))]).toEqual([name, route, missing]);
      }
    }
    for (const method of ['DELETE', 'PUT', 'POST']) {
      const billing = await answer(await http.call('/inbox/billing/api/v1/messages', AS.alice, { method, body: '{}' }));
      expect(billing).toEqual(await answer(await http.call('/inbox/nope/api/v1/messages', AS.alice, { method, body: '{}' })));
    }
    expect(await answer(await http.call('/inbox/billing', AS.alice))).toEqual(await answer(await http.call('/inbox/nope', AS.alice)));
    expect(http.directory.get('billing')?.store.stats().messages).toBe(1);
  });

  it('shows alice only shop mail, and never a billing message through shop', async () => {
    const list = (await (await http.call('/inbox/shop/api/v1/messages', AS.alice)).json()) as { total: number; messages: Array<{ Subject: string }> };
    expect(list.total).toBe(2);
    expect(list.messages.map((m) => m.Subject).sort()).toEqual(['shop order 1', 'shop order 2']);
    expect((await http.call(`/inbox/shop/api/v1/message/${billingMail.id}`, AS.alice)).status).toBe(404);
    const search = (await (await http.call('/inbox/shop/api/v1/search?query=invoice', AS.alice)).json()) as { messages_count: number };
    expect(search.messages_count).toBe(0);
    const inboxes = (await (await http.call('/api/v1/inboxes', AS.alice)).json()) as Array<{ Name: string }>;
    expect(inboxes.map((i) => i.Name)).toEqual(['shop']);
  });

  it('labels the web inbox of an inbox with its name, and that of all inboxes as such', async () => {
    const label = async (path: string) => ((await (await http.call(path, AS.ops)).json()) as { Label: string }).Label;
    expect(await label('/inbox/shop/api/v1/webui')).toBe('shop');
    expect(await label('/inbox/billing/api/v1/webui')).toBe('billing');
    expect(await label('/all/api/v1/webui')).toBe('All inboxes');
    // Which inbox a root serves, for the web inbox's empty state ('' for all of them).
    const inbox = async (path: string) => ((await (await http.call(path, AS.ops)).json()) as { Inbox: string }).Inbox;
    expect([await inbox('/inbox/shop/api/v1/webui'), await inbox('/all/api/v1/webui')]).toEqual(['shop', '']);
    const labelled = await startInboxHttp({ label: 'Staging' });
    try {
      expect(((await (await labelled.call('/inbox/shop/api/v1/webui', AS.ops)).json()) as { Label: string }).Label).toBe('Staging · shop');
    } finally {
      await labelled.stop();
    }
  });

  it("counts an inbox's own mail in its info, never another's", async () => {
    type Info = { Messages: number; RuntimeStats: { SMTPAccepted: number } };
    const info = async () => (await (await http.call('/inbox/shop/api/v1/info', AS.alice)).json()) as Info;
    const before = await info();
    await http.deliver('billing', 'billing while alice looks');
    await http.deliver('shop', 'shop while alice looks');
    const after = await info();
    expect(after.Messages).toBe(http.directory.get('shop')?.store.stats().messages);
    expect(after.RuntimeStats.SMTPAccepted - before.RuntimeStats.SMTPAccepted).toBe(1);
  });

  it('keeps all/, the metrics and the SMTP chaos triggers to "*" users', async () => {
    const notMine = await answer(await http.call('/inbox/nope/', AS.alice));
    expect(await answer(await http.call('/all/api/v1/messages', AS.alice))).toEqual(notMine);
    expect(await answer(await http.call('/all/', AS.bob))).toEqual(notMine);
    expect((await http.call('/metrics', AS.alice)).status).toBe(404);
    expect((await http.call('/inbox/shop/metrics', AS.alice)).status).toBe(404);
    // Chaos changes what every inbox's senders get: not an inbox reader's to set, or to see.
    expect((await http.call('/inbox/shop/api/v1/chaos', AS.alice)).status).toBe(404);
    expect((await http.call('/inbox/shop/api/v1/chaos', AS.ops)).status).not.toBe(404);
    // Pausing SMTP is as instance-wide: it would refuse or drop every inbox's mail.
    const pause = { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"Mode":"refuse"}' };
    expect((await http.call('/inbox/shop/api/v1/chaos/pause', AS.alice, pause)).status).toBe(404);
    expect((await http.call('/inbox/shop/api/v1/chaos/pause', AS.alice)).status).toBe(404);
    expect((await http.call('/all/api/v1/info', AS.ops)).status).toBe(200);
    const metrics = await http.call('/metrics', AS.ops);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('letterbox_http_requests_total');
  });

  it('counts the WebSockets of every inbox in the metrics, and counts each out once', async () => {
    const sample = async () => {
      const text = await (await http.call('/metrics', AS.ops)).text();
      return Number(/^letterbox_connections\{protocol="websocket"\} (\d+)$/m.exec(text)?.[1]);
    };
    const before = await sample();
    const open = (path: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${http.port}${path}`, { headers: { authorization: AS.ops } });
        socket.once('message', () => resolve(socket));
        socket.once('error', reject);
      });
    const sockets = [await open('/inbox/shop/api/events'), await open('/inbox/billing/api/events'), await open('/all/api/events')];
    expect(await sample()).toBe(before + 3);
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve).close())));
    await expect.poll(sample).toBe(before);
  });

  it('refuses the events of an inbox alice may not read as those of one that does not exist', async () => {
    const missing = await upgrade('/inbox/nope/api/events', AS.alice);
    expect(missing).toEqual({ status: 404, body: '{"Error":"no such inbox"}' });
    expect(await upgrade('/inbox/billing/api/events', AS.alice)).toEqual(missing);
    expect(await upgrade('/all/api/events', AS.alice)).toEqual(missing);
  });

  it('streams an inbox its own new mail only', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${http.port}/inbox/shop/api/events`, { headers: { authorization: AS.alice } });
    const frames: Array<{ Type: string; Data: { Subject?: string } }> = [];
    const gotNew = new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { Type: string; Data: { Subject?: string } };
        frames.push(frame);
        if (frame.Type === 'new') resolve();
      }),
    );
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await http.deliver('billing', 'billing secret');
    await http.deliver('shop', 'shop order 3');
    await gotNew;
    socket.close();
    expect(frames.filter((f) => f.Type === 'new').map((f) => f.Data.Subject)).toEqual(['shop order 3']);
    expect(JSON.stringify(frames)).not.toContain('billing');
  });

  it('closes the event streams of users a reload took the inbox (or "*") from, before they are told more; others go on', async () => {
    const own = await startInboxHttp();
    try {
      type Heard = { socket: WebSocket; frames: Array<{ Type: string; Data: { Subject?: string } }>; closed: Promise<number> };
      const listen = (path: string, as: string) =>
        new Promise<Heard>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${own.port}${path}`, { headers: { authorization: as } });
          const heard: Heard = { socket, frames: [], closed: new Promise((closed) => socket.once('close', (code: number) => closed(code))) };
          socket.on('message', (data: Buffer) => heard.frames.push(JSON.parse(data.toString())));
          socket.once('message', () => resolve(heard));
          socket.once('error', reject);
        });
      const [alice, ops, bob] = [await listen('/inbox/shop/api/events', AS.alice), await listen('/all/api/events', AS.ops), await listen('/inbox/shop/api/events', AS.bob)];
      const users = INBOXES_FILE.users;
      await own.directory.apply(parseInboxesFile(JSON.stringify({ ...INBOXES_FILE, users: { ...users, alice: { ...users.alice, inboxes: ['srs'] }, ops: { ...users.ops, inboxes: ['billing'] } } })));
      await own.deliver('shop', 'after the reload');
      // RFC 6455 §7.4.1: 1008, a policy the client's connection no longer meets.
      expect([await alice.closed, await ops.closed]).toEqual([1008, 1008]);
      for (const lost of [alice, ops]) expect(JSON.stringify(lost.frames)).not.toContain('after the reload');
      await expect.poll(() => bob.frames.some((f) => f.Type === 'new' && f.Data.Subject === 'after the reload')).toBe(true);
      bob.socket.close();
      await bob.closed;
    } finally {
      await own.stop();
    }
  });

  it('ends the event streams of an inbox removed, or expired, with 1001 and why (RFC 6455 §7.4.1), not a dropped connection', async () => {
    const listen = (path: string) =>
      new Promise<{ closed: Promise<string> }>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${http.port}${path}`, { headers: { authorization: AS.ops } });
        const closed = new Promise<string>((done) => socket.once('close', (code: number, reason: Buffer) => done(`${code} ${reason.toString()}`)));
        socket.once('message', () => resolve({ closed }));
        socket.once('error', reject);
      });
    expect((await http.call('/api/v1/inboxes', AS.ops, { method: 'POST', body: JSON.stringify({ Name: 'gone-soon' }) })).status).toBe(201);
    const removed = await listen('/inbox/gone-soon/api/events');
    expect((await http.call('/api/v1/inboxes/gone-soon', AS.ops, { method: 'DELETE' })).status).toBe(200);
    expect(await removed.closed).toBe('1001 the inbox was removed');
    expect((await http.call('/api/v1/inboxes', AS.ops, { method: 'POST', body: JSON.stringify({ Name: 'brief', TTL: '1s' }) })).status).toBe(201);
    expect(await (await listen('/inbox/brief/api/events')).closed).toBe('1001 the inbox was removed');
  });

  it('sends /inbox/{name} on to /inbox/{name}/ for a reader, and serves the web inbox there', async () => {
    const moved = await http.call('/inbox/shop', AS.alice);
    expect(moved.status).toBe(308);
    expect(moved.headers.get('location')).toBe('shop/');
    const page = await http.call('/inbox/shop/', AS.alice);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('the inboxes API', () => {
  it('lists the readable inboxes with counts and base URLs', async () => {
    const list = (await (await http.call('/api/v1/inboxes', AS.bob)).json()) as unknown[];
    expect(list).toEqual([
      { Name: 'billing', Messages: expect.any(Number), Unread: expect.any(Number), URL: `${http.base}/inbox/billing/`, ExpiresAt: null },
      { Name: 'shop', Messages: expect.any(Number), Unread: expect.any(Number), URL: `${http.base}/inbox/shop/`, ExpiresAt: null },
    ]);
  });

  it('lets a "*" user create an inbox with a TTL and remove it; anyone else gets 403', async () => {
    const body = JSON.stringify({ Name: 'mr-1234', TTL: '24h' });
    const refused = await http.call('/api/v1/inboxes', AS.bob, { method: 'POST', body });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ Error: expect.stringContaining('"*"') });
    const before = Date.now();
    const created = await http.call('/api/v1/inboxes', AS.ops, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    const made = (await created.json()) as { Name: string; URL: string; ExpiresAt: string; SMTP: { Username: string; Password: string } };
    expect(made).toEqual({ Name: 'mr-1234', URL: `${http.base}/inbox/mr-1234/`, ExpiresAt: expect.any(String), SMTP: { Username: expect.any(String), Password: expect.any(String) } });
    const expires = Date.parse(made.ExpiresAt) - before;
    expect(expires).toBeGreaterThan(24 * 3_600_000 - 60_000);
    expect(expires).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
    expect(await http.directory.smtpSignIn(made.SMTP.Username, made.SMTP.Password)).toBe(true);
    expect((await http.call('/inbox/mr-1234/api/v1/messages', AS.ops)).status).toBe(200);
    expect((await http.call('/api/v1/inboxes', AS.ops, { method: 'POST', body })).status).toBe(409);
    expect((await http.call('/api/v1/inboxes/mr-1234', AS.bob, { method: 'DELETE' })).status).toBe(403);
    expect((await http.call('/api/v1/inboxes/mr-1234', AS.ops, { method: 'DELETE' })).status).toBe(200);
    expect(http.directory.get('mr-1234')).toBeUndefined();
    expect(await answer(await http.call('/inbox/mr-1234/api/v1/messages', AS.ops))).toEqual(await answer(await http.call('/inbox/nope/api/v1/messages', AS.ops)));
    expect((await http.call('/api/v1/inboxes/mr-1234', AS.ops, { method: 'DELETE' })).status).toBe(404);
    expect((await http.call('/api/v1/inboxes/NOT_A_NAME', AS.ops, { method: 'DELETE' })).status).toBe(404);
    const fromFile = await http.call('/api/v1/inboxes/shop', AS.ops, { method: 'DELETE' });
    expect(fromFile.status).toBe(409);
    expect(await fromFile.json()).toEqual({ Error: 'inbox shop is defined in the inboxes file: remove it there' });
    expect(http.directory.get('shop')).toBeDefined();
  });

  it('refuses a bad body with 400 JSON that says why, and creates nothing', async () => {
    const bodies: Array<[string, RegExp]> = [
      ['{"Name":"ok-1","Colour":"red"}', /unknown key "Colour"/],
      ['{"Name":"ok-1","name":"ok-2"}', /repeats/],
      ['{"Name":"Bad_Name"}', /"Name" must be/],
      ['{"Name":"-lead"}', /"Name" must be/],
      ['{"Name":""}', /"Name" must be/],
      [`{"Name":"${'a'.repeat(64)}"}`, /"Name" must be/],
      ['{"Name":"ok-1\\n"}', /control character/],
      ['{"Name":"ok-1","TTL":"forever"}', /"TTL" must be a duration/],
      ['{"Name":"ok-1","TTL":"0"}', /"TTL" must be a duration/],
      // Gone as it is made; and a value with spaces around it is not the duration it looks like.
      ['{"Name":"ok-1","TTL":"100ms"}', /"TTL" must be a duration of a second or more/],
      ['{"Name":"ok-1","TTL":" 1h"}', /"TTL" must be a duration/],
      ['{"Name":"ok-1","TTL":"9000h"}', /longer than a year/],
      ['{"Name":"ok-1","TTL":"1h\\u0007"}', /control character/],
      ['{"Name":"ok-1","TTL":24}', /"TTL" must be a string/],
      ['{"TTL":"1h"}', /missing key "Name"/],
      ['["ok-1"]', /must be a JSON object/],
      ['{"Name":', /./],
    ];
    for (const [body, error] of bodies) {
      const response = await http.call('/api/v1/inboxes', AS.ops, { method: 'POST', body });
      expect([body, response.status]).toEqual([body, 400]);
      expect(((await response.json()) as { Error: string }).Error).toMatch(error);
    }
    expect(http.directory.list().map((i) => i.name)).toEqual(['billing', 'shop', 'srs']);
  });

  it('describes the webroot routes in its OpenAPI document', async () => {
    const doc = (await (await http.call('/api/v1/openapi.json', AS.alice)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(INBOX_ROUTES).sort());
    const inInbox = (await (await http.call('/inbox/shop/api/v1/openapi.json', AS.alice)).json()) as { servers: Array<{ url: string }> };
    expect(inInbox.servers).toEqual([{ url: '/inbox/shop' }]);
  });
});

describe('clients pointed at an inbox', () => {
  it('mailpit-api works against /inbox/{name}/ with Basic auth and sees that inbox only', async () => {
    const client = new MailpitClient(`${http.base}/inbox/shop/`, { auth: { username: 'alice', password: 'pw-alice' } });
    const list = await client.listMessages();
    expect(list.messages.map((m) => m.Subject).filter((s) => !s.startsWith('shop'))).toEqual([]);
    expect(list.messages.length).toBeGreaterThanOrEqual(2);
    const message = await client.getMessageSummary(shopMail.id);
    expect(message.Subject).toBe('shop order 1');
    await expect(client.getMessageSummary(billingMail.id)).rejects.toThrow(/404/);
    const { ID } = await client.sendMessage({ From: { Email: 'a@shop.test' }, To: [{ Email: 'c@shop.test' }], Subject: 'sent through the API' });
    expect(http.directory.get('shop')?.store.get(ID)?.summary.subject).toBe('sent through the API');
    expect(http.directory.get('billing')?.store.get(ID)).toBeUndefined();
    await expect(new MailpitClient(`${http.base}/inbox/billing/`, { auth: { username: 'alice', password: 'pw-alice' } }).listMessages()).rejects.toThrow(/404/);
  });

  it('the MCP endpoint of an inbox lists that inbox only', async () => {
    const client = new Client({ name: 'letterbox-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.base}/inbox/shop/mcp`), { requestInit: { headers: { authorization: AS.alice } } }));
    try {
      const listed = await callJson<{ messages: Array<{ Subject: string }> }>(client, 'list_messages', { limit: 200 });
      const shop = http.directory.get('shop')?.store.messages().map((m) => m.summary.subject) ?? [];
      expect(listed.messages.length).toBeGreaterThanOrEqual(2);
      expect(listed.messages.map((m) => m.Subject).sort()).toEqual(shop.sort());
    } finally {
      await client.close();
    }
  });

  it('the typed client lists, creates and deletes inboxes, and reads inside one', async () => {
    const ops = new LetterboxClient(`${http.base}/`, { auth: { username: 'ops', password: 'pw-ops' } });
    const made = await ops.createInbox('ci-job-7', { ttl: '90m' });
    expect(made.URL).toBe(`${http.base}/inbox/ci-job-7/`);
    expect((await ops.listInboxes()).map((i) => i.Name)).toContain('ci-job-7');
    await http.deliver('ci-job-7', 'job mail');
    const inside = ops.inbox('ci-job-7');
    expect(inside.baseUrl).toBe(made.URL);
    expect((await inside.list()).messages.map((m) => m.Subject)).toEqual(['job mail']);
    await ops.deleteInbox('ci-job-7');
    await expect(ops.deleteInbox('ci-job-7')).rejects.toBeInstanceOf(LetterboxApiError);
    const alice = new LetterboxClient(http.base, { auth: { username: 'alice', password: 'pw-alice' } });
    await expect(alice.createInbox('mine')).rejects.toMatchObject({ status: 403 });
    expect((await alice.listInboxes()).map((i) => i.Name)).toEqual(['shop']);
  });
});

/** A raw WebSocket upgrade; resolves with the refusal, or status 101. */
function upgrade(path: string, authorization: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${http.port}${path}`, { headers: authorization ? { authorization } : {} });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
