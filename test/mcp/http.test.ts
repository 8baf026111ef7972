import { mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from '../http/http-helpers.js';
import { callJson, callTool, signupRoundTrip, TOOL_NAMES } from './mcp-helpers.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const MCP_ACCEPT = 'application/json, text/event-stream';
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** A raw POST to /mcp, and the JSON-RPC answers it got, whether sent as JSON or as server-sent events. */
async function postRpc(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; replies: Array<Record<string, any>> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...headers }, body });
  const text = await response.text();
  const events = response.headers.get('content-type')?.startsWith('text/event-stream');
  const replies = events ? text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6))) : text ? [JSON.parse(text)] : [];
  return { status: response.status, replies };
}

const request = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) });

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'letterbox-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** A POST with any Host header (fetch will not send a chosen one). */
function postWithHost(port: number, path: string, host: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { host, 'content-type': 'application/json', accept: MCP_ACCEPT } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('/mcp over streamable HTTP', () => {
  let api: ApiBox;
  let client: Client;
  beforeAll(async () => {
    api = await startApi();
    client = await connect(`${api.base}/mcp`);
  });
  afterAll(async () => {
    await client?.close();
    await api?.stop();
  });

  interface Listed {
    messages: Array<{ ID: string; Read: boolean; Tags: string[] }>;
  }
  const listedOf = async (id: string) => (await callJson<Listed>(client, 'list_messages', { limit: 200 })).messages.find((m) => m.ID === id);

  it('offers the same tools as stdio', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
  });

  it('does the signup round trip, then marks, tags and deletes the message', async () => {
    const id = await signupRoundTrip(client, api, 'http-user@example.test');
    expect(await listedOf(id)).toMatchObject({ Read: false, Tags: [] });

    expect(await callTool(client, 'mark_read', { ids: [id] })).toEqual({ isError: false, text: '1 message(s) marked read' });
    expect(api.box.store.get(id)?.flags.has('\\Seen')).toBe(true);
    await callTool(client, 'mark_read', { ids: [id], read: false });
    expect(api.box.store.get(id)?.flags.has('\\Seen')).toBe(false);

    await callTool(client, 'set_tags', { ids: [id], tags: ['signup', 'verified'] });
    expect(api.box.store.get(id)?.tags).toEqual(['signup', 'verified']);
    expect(JSON.parse((await callTool(client, 'list_tags')).text)).toEqual(['signup', 'verified']);
    expect((await callJson<Listed>(client, 'search_messages', { query: 'tag:verified' })).messages.map((m) => m.ID)).toEqual([id]);

    expect(await callTool(client, 'delete_messages', { ids: [id] })).toEqual({ isError: false, text: '1 message(s) deleted' });
    expect(api.box.store.get(id)).toBeUndefined();
    expect(await listedOf(id)).toBeUndefined();
  });

  it('checks links without touching the network, and says when release is not configured', async () => {
    const sent = await api.send({ to: 'links@example.test', subject: 'Links', text: 'See http://127.0.0.1:9/private for details.' });
    const checked = await callJson<{ Errors: number; Links: Array<{ URL: string; StatusCode: number; Status: string }> }>(client, 'check_links', { id: sent.id });
    expect(checked.Links).toEqual([{ URL: 'http://127.0.0.1:9/private', StatusCode: 0, Status: expect.stringMatching(/loopback/) }]);
    const release = await callTool(client, 'release_message', { id: sent.id, to: ['someone@example.com'] });
    expect(release.isError).toBe(true);
    expect(release.text).toMatch(/^Letterbox refused api\/v1\/message\/\w+\/release \(HTTP 400\): Release is not configured/);
    expect(api.box.store.get(sent.id)).toBeDefined();
  });

  it("checks a message's HTML against email clients, and says the spam check needs spamd", async () => {
    const sent = await api.send({ to: 'html@example.test', subject: 'Styled', html: '<div style="display:flex"><svg width="1" height="1"></svg></div>' });
    const checked = await callJson<{ Total: { Tests: number }; Warnings: Array<{ Slug: string; NodeLines: number[] }> }>(client, 'check_html', { id: sent.id });
    expect(checked.Total.Tests).toBeGreaterThan(0);
    expect(checked.Warnings.map((w) => w.Slug)).toEqual(expect.arrayContaining(['css-display-flex', 'html-svg']));
    const spam = await callTool(client, 'check_spam', { id: sent.id });
    expect(spam.isError).toBe(true);
    expect(spam.text).toMatch(/HTTP 404/);
  });

  it('refuses bad tool input with a tool error and keeps answering', async () => {
    const unknownKey = await callTool(client, 'list_messages', { limit: 5, everything: true });
    expect(unknownKey.isError).toBe(true);
    expect(unknownKey.text).toMatch(/Unrecognized key.*everything/);
    const wrongType = await callTool(client, 'get_message', { id: 42 });
    expect(wrongType.isError).toBe(true);
    expect(wrongType.text).toMatch(/expected string.* at id/);
    const hugeLimit = await callTool(client, 'list_messages', { limit: 1_000_000 });
    expect(hugeLimit.isError).toBe(true);
    expect(hugeLimit.text).toMatch(/<=200 at limit/);
    const badId = await callTool(client, 'delete_messages', { ids: ['../../api/v1/messages'] });
    expect(badId.isError).toBe(true);
    expect(badId.text).toMatch(/must be a message ID/);
    // An unknown tool is a protocol error, not a tool's failure (MCP tools spec, Error Handling).
    await expect(client.callTool({ name: 'drop_database', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/no tool is named "drop_database"/) });
    expect((await callJson<{ Messages: number }>(client, 'server_info')).Messages).toBeGreaterThanOrEqual(0);
  });

  it('reads its body as the API does: bounded, strict JSON, a JSON-RPC parse error otherwise', async () => {
    const post = (body: string | Buffer) => fetch(`${api.base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: MCP_ACCEPT }, body: typeof body === 'string' ? body : new Uint8Array(body) });
    for (const [body, status] of [
      ['', 400],
      ['{"jsonrpc":', 400],
      ['{"jsonrpc":"2.0","jsonrpc":"1.0","id":1,"method":"ping"}', 400],
      [Buffer.from([0x7b, 0xff, 0x7d]), 400],
      [Buffer.alloc(2 * 1024 * 1024, 0x20), 413],
    ] as const) {
      const response = await post(body);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });
    }
    expect((await post(INITIALIZE)).status).toBe(200);
  });

  it('tells what a bulk tool really did: unknown IDs are named, not counted', async () => {
    const a = await api.send({ to: 'bulk@example.test', subject: 'A', text: 'a' });
    const b = await api.send({ to: 'bulk@example.test', subject: 'B', text: 'b' });
    const ghost = 'NoSuchMessage0000000000';

    expect(await callTool(client, 'mark_read', { ids: [a.id, ghost, a.id] })).toEqual({ isError: false, text: `1 message(s) marked read; no message has the ID ${ghost}` });
    expect(api.box.store.get(a.id)?.flags.has('\\Seen')).toBe(true);
    expect(await callTool(client, 'mark_read', { ids: [ghost] })).toEqual({ isError: true, text: `no message has the ID ${ghost}: nothing changed` });
    expect(await callTool(client, 'set_tags', { ids: [ghost, b.id], tags: ['kept'] })).toEqual({ isError: false, text: `tags of 1 message(s) set to [kept]; no message has the ID ${ghost}` });
    expect(await callTool(client, 'delete_messages', { ids: [ghost, 'latest'] })).toMatchObject({ isError: true, text: `no message has the ID ${ghost}, latest: nothing changed` });
    expect(api.box.store.get(b.id)).toBeDefined();
    expect(await callTool(client, 'delete_messages', { ids: [a.id, ghost] })).toEqual({ isError: false, text: `1 message(s) deleted; no message has the ID ${ghost}` });
    expect(api.box.store.get(a.id)).toBeUndefined();

    // A tag the cleaner would change ("!!!" to nothing) is refused, not stored as something else.
    for (const tag of ['!!!', 'a!b', ' padded', 'two  spaces']) {
      const refused = await callTool(client, 'set_tags', { ids: [b.id], tags: ['fine', tag] });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(new RegExp(`^${JSON.stringify(tag).replace(/[.*+?^$()|[\]\\]/g, '\\$&')} is not a tag: .*nothing changed$`));
      expect(api.box.store.get(b.id)?.tags).toEqual(['kept']);
    }
  });

  it('refuses a batch whose requests share an id, and runs none of it', async () => {
    const sent = await api.send({ to: 'batch@example.test', subject: 'Keep me', text: 'k' });
    const deleteIt = (id: unknown) => request(id, 'tools/call', { name: 'delete_messages', arguments: { ids: [sent.id] } });
    for (const batch of [
      [request(7, 'ping'), deleteIt(7)],
      [request('x', 'tools/list'), request(1, 'ping'), deleteIt('x')],
      // One bad element refuses the whole batch: nothing is half done.
      [deleteIt(1), 1],
      [deleteIt(1), { jsonrpc: '2.0', id: 2, method: 'ping', extra: true }],
    ]) {
      const { status, replies } = await postRpc(`${api.base}/mcp`, JSON.stringify(batch));
      expect({ status, replies }).toEqual({ status: 400, replies: [{ jsonrpc: '2.0', error: { code: -32600, message: expect.stringMatching(/^Invalid Request: message \d of the batch /) }, id: null }] });
    }
    expect(api.box.store.get(sent.id)).toBeDefined();
    // Distinct ids run and are all answered.
    const fine = await postRpc(`${api.base}/mcp`, JSON.stringify([request(7, 'ping'), request('7', 'ping')]));
    expect(fine.status).toBe(200);
    expect(fine.replies.map((r) => r.id).sort()).toEqual([7, '7']);
  });

  it('answers -32600 to JSON that is not a JSON-RPC request, and to an empty batch', async () => {
    for (const body of [
      '[]',
      '1',
      'null',
      '"ping"',
      '[[]]',
      '{"jsonrpc":"1.0","id":1,"method":"ping"}',
      '{"id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":null,"method":"ping"}',
      '{"jsonrpc":"2.0","id":{},"method":"ping"}',
      '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
      '{"jsonrpc":"2.0","id":true,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1,"method":5}',
      '{"jsonrpc":"2.0","id":1,"method":"ping","params":"all"}',
      '{"jsonrpc":"2.0","id":1,"method":"ping","extra":1}',
      '{"jsonrpc":"2.0","id":1}',
    ]) {
      const { status, replies } = await postRpc(`${api.base}/mcp`, body);
      expect({ body, status, replies }).toEqual({ body, status: 400, replies: [{ jsonrpc: '2.0', error: { code: -32600, message: expect.stringMatching(/^Invalid Request: /) }, id: null }] });
    }
  });

  it('answers -32602 with a one-line message to params a method does not take', async () => {
    for (const [params, method] of [
      [undefined, 'tools/call'],
      [{ name: 'list_messages', arguments: null }, 'tools/call'],
      [{ name: 'list_messages', arguments: [] }, 'tools/call'],
      [{ name: 5 }, 'tools/call'],
      [{ name: 'nope', arguments: {} }, 'tools/call'],
      [undefined, 'initialize'],
      [{ cursor: 5 }, 'tools/list'],
    ] as const) {
      const { status, replies } = await postRpc(`${api.base}/mcp`, JSON.stringify(request(3, method, params)));
      expect(status).toBe(200);
      expect(replies).toEqual([{ jsonrpc: '2.0', id: 3, error: { code: -32602, message: expect.stringMatching(new RegExp(`^Invalid params for ${method}: [^\n]{1,200}$`)) } }]);
    }
    const { replies } = await postRpc(`${api.base}/mcp`, JSON.stringify([request(1, 'tools/call', { name: 'nope' }), request(2, 'ping')]));
    expect(replies.sort((x, y) => x.id - y.id)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Invalid params for tools/call: no tool is named "nope" (tools/list names them)' } },
      { jsonrpc: '2.0', id: 2, result: {} },
    ]);
  });

  it('reads Accept and Content-Type as media types, and judges Content-Type before the body', async () => {
    const ping = JSON.stringify(request(1, 'ping'));
    for (const [headers, status] of [
      [{ accept: 'application/json-seq, text/event-streamx' }, 406],
      [{ accept: 'application/json' }, 406],
      [{ accept: 'application/json, text/event-stream;q=0' }, 406],
      [{ accept: 'text/plain; a="application/json, text/event-stream"' }, 406],
      [{ accept: '*/*' }, 200],
      [{ accept: 'application/*, text/*' }, 200],
      [{ accept: 'Application/JSON;q=0.5, Text/Event-Stream' }, 200],
      [{ 'content-type': 'application/json; charset=latin1' }, 415],
      [{ 'content-type': 'application/json-seq' }, 415],
      [{ 'content-type': 'text/plain; a=application/json' }, 415],
      [{ 'content-type': 'application/json; charset="UTF-8"' }, 200],
      [{ 'content-type': 'application/json ; charset=utf-8' }, 200],
    ] as Array<[Record<string, string>, number]>) {
      const response = await fetch(`${api.base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...headers }, body: ping });
      expect({ headers, status: response.status }).toEqual({ headers, status });
      if (status !== 200) expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
      else await response.body?.cancel();
    }
    const text = await fetch(`${api.base}/mcp`, { method: 'POST', headers: { 'content-type': 'text/plain', accept: MCP_ACCEPT }, body: 'hello, not JSON' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: { code: -32000, message: expect.stringMatching(/^Unsupported Media Type/) } });
  });

  it('takes only POST, refuses cross-site browsers and foreign Host names', async () => {
    const get = await fetch(`${api.base}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const foreign = await fetch(`${api.base}/mcp`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', accept: MCP_ACCEPT },
      body: INITIALIZE,
    });
    expect(foreign.status).toBe(403);
    await expect(connect(`${api.base}/mcp`, { origin: 'https://evil.example' })).rejects.toMatchObject({ code: 403 });
    expect(await postWithHost(api.box.port('http'), '/mcp', 'rebound.example', INITIALIZE)).toBe(403);
    expect(await postWithHost(api.box.port('http'), '/mcp', 'localhost', INITIALIZE)).toBe(200);
  });
});

describe('/mcp with --ui-auth-file, under a webroot', () => {
  let api: ApiBox;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-mcp-auth-'));
    const file = join(dir, 'htpasswd');
    await writeFile(file, 'agent:s3cret\n');
    api = await startApi({ uiAuthFile: file, webroot: '/mail/' });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('answers 401 without credentials and works with them, the tools acting as that user', async () => {
    const bare = await fetch(`${api.base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: MCP_ACCEPT }, body: INITIALIZE });
    expect(bare.status).toBe(401);
    await expect(connect(`${api.base}/mcp`)).rejects.toMatchObject({ code: 401 });
    await expect(connect(`${api.base}/mcp`, { authorization: basic('agent', 'wrong') })).rejects.toMatchObject({ code: 401 });

    const client = await connect(`${api.base}/mcp`, { authorization: basic('agent', 's3cret') });
    try {
      await signupRoundTrip(client, api, 'authed@example.test');
    } finally {
      await client.close();
    }
  });
});
