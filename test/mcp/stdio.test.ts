import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from '../http/http-helpers.js';
import { callJson, callTool, signupRoundTrip, TOOL_NAMES } from './mcp-helpers.js';
import { bytesOf } from '../helpers/stored-bytes.js';

const ROOT = join(import.meta.dirname, '..', '..');

let api: ApiBox;
let client: Client;
let stderr = '';

beforeAll(async () => {
  api = await startApi();
  // `letterbox mcp` from the sources, as an MCP client such as an IDE would start it.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'server', 'main.ts'), 'mcp', '--url', api.base],
    cwd: ROOT,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  client = new Client({ name: 'letterbox-test', version: '1.0.0' });
  await client.connect(transport);
});
afterAll(async () => {
  await client?.close();
  await api?.stop();
});

describe('letterbox mcp over stdio', () => {
  it('introduces itself and lists every tool with a strict input schema', async () => {
    expect(client.getServerVersion()?.name).toBe('letterbox');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
    for (const tool of tools) expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(hints.list_messages).toMatchObject({ readOnlyHint: true });
    expect(hints.delete_messages).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(hints.release_message).toMatchObject({ readOnlyHint: false, openWorldHint: true });
  });

  it('does the signup round trip: wait on the server, then extract the code', async () => {
    const id = await signupRoundTrip(client, api, 'new-user@example.test');
    const listed = await callJson<{ total: number; messages: Array<{ ID: string; To: string }> }>(client, 'list_messages', { limit: 1 });
    expect(listed.messages).toEqual([expect.objectContaining({ ID: id, To: 'new-user@example.test' })]);
  });

  it('reads a message as text, its HTML as text, its headers and its source', async () => {
    const sent = await api.send({
      to: 'reader@example.test',
      subject: 'Both parts',
      text: 'Plain words here.',
      html: '<html><head><style>p{color:red}</style></head><body><p>Rich &amp; <b>bold</b> words</p></body></html>',
    });
    const text = await callTool(client, 'get_message', { id: sent.id });
    expect(text.isError).toBe(false);
    expect(text.text).toMatch(/^ID: \w+\nFrom: Sender <sender@example.test>\nTo: reader@example.test\nSubject: Both parts\n/);
    expect(text.text).toMatch(/\n\nPlain words here\.$/);
    const html = await callTool(client, 'get_message', { id: sent.id, body: 'html_as_text' });
    expect(html.text).toMatch(/\n\nRich & bold words$/);
    const headers = await callJson<Record<string, string[]>>(client, 'get_message_headers', { id: sent.id });
    expect(headers.Subject).toEqual(['Both parts']);
    const source = await callTool(client, 'get_message_source', { id: sent.id, max_bytes: 100 });
    const raw = await bytesOf(api.box.store, sent);
    expect(source.text.startsWith(`${raw?.subarray(0, 100).toString()}\n\n[truncated: 100 of ${raw?.length} bytes shown`)).toBe(true);
    expect((await callTool(client, 'get_message_source', { id: sent.id })).text).toBe(raw?.toString());
  });

  it('reports a missing message as a tool error and keeps answering', async () => {
    const missing = await callTool(client, 'get_message', { id: 'NoSuchMessage0000000000' });
    expect(missing).toMatchObject({ isError: true, text: expect.stringMatching(/HTTP 404/) });
    expect((await callJson<{ Messages: number }>(client, 'server_info')).Messages).toBeGreaterThan(0);
    expect(stderr).toContain('serving the Letterbox at');
  });

  it('answers an unknown tool and params a method does not take with -32602, as /mcp does', async () => {
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/no tool is named "nope"/) });
    const badCursor = client.request({ method: 'tools/list', params: { cursor: 5 } } as never, ListToolsResultSchema);
    await expect(badCursor).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/Invalid params for tools\/list: params\.cursor: [^\n]+$/) });
    expect((await callJson<{ Messages: number }>(client, 'server_info')).Messages).toBeGreaterThan(0);
  });
});
