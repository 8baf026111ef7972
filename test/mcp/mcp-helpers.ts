import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';
import type { ApiBox } from '../http/http-helpers.js';

/** Every tool both transports offer. */
export const TOOL_NAMES = [
  'check_html', 'check_links', 'check_spam', 'delete_messages', 'extract_links_and_codes', 'get_message', 'get_message_headers', 'get_message_source',
  'list_messages', 'list_tags', 'mark_read', 'release_message', 'search_messages', 'server_info', 'set_tags', 'wait_for_message',
];

export interface ToolReply {
  text: string;
  isError: boolean;
}

/** Calls a tool through the SDK client and returns its one text block. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolReply> {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  const content = result.content as Array<{ type: string; text?: string }>;
  expect(content).toHaveLength(1);
  expect(content[0]?.type).toBe('text');
  return { text: content[0]?.text ?? '', isError: result.isError === true };
}

/** A tool's JSON answer, asserting it is not an error. */
export async function callJson<T>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const reply = await callTool(client, name, args);
  expect(reply.isError, reply.text).toBe(false);
  return JSON.parse(reply.text) as T;
}

/**
 * The signup round trip an agent does: an older mail to the same address is already
 * there (so `after` has to matter), the agent waits on the server, the application
 * sends the confirmation over real SMTP, and the agent extracts its code and link.
 * Resolves with the new message's ID.
 */
export async function signupRoundTrip(client: Client, api: ApiBox, to: string): Promise<string> {
  const older = await api.send({ to, subject: 'Welcome back', text: 'Your previous code is 111111.' });
  const waiting = callJson<{ ID: string; Subject: string }>(client, 'wait_for_message', { query: `to:${to}`, after: older.id, timeout_seconds: 120 });
  const sent = await api.send({
    to,
    subject: 'Confirm your signup',
    text: 'Your verification code is 482913.\nOr confirm here: https://app.example/confirm?token=abc123\n',
  });
  const found = await waiting;
  expect(found).toMatchObject({ ID: sent.id, Subject: 'Confirm your signup' });
  const extracted = await callJson<{ ID: string; Codes: string[]; Links: string[] }>(client, 'extract_links_and_codes', { id: found.ID });
  expect(extracted.Codes).toEqual(['482913']);
  expect(extracted.Links).toEqual(['https://app.example/confirm?token=abc123']);
  return found.ID;
}
