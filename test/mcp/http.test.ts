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
    const noTool = await callTool(client, 'drop_database');
    expect(noTool).toMatchObject({ isError: true, text: expect.stringMatching(/drop_database not found/) });
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
