import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { LetterboxApiError, type LetterboxClient } from '../client/client.js';
import { isCleanTag, TAG_RULE } from '../shapes/tag-rule.js';
import { capBytes, capText, RAW_DEFAULT, RAW_MAX, TEXT_DEFAULT, TEXT_MAX } from './bounds.js';
import { describeFailure } from './failure.js';
import { checkingParams } from './jsonrpc.js';
import { brief, messageText, page } from './render.js';

/**
 * The tools an AI agent gets, defined once over the typed API client: the stdio command
 * points the client at a Letterbox by URL, the /mcp endpoint at its own server, so both
 * transports answer exactly alike. Every input object is strict (an unknown key is an
 * error, not silently dropped) and every id, list and number is bounded.
 */

const LIST_MAX = 200;
const BULK_MAX = 500;
const WAIT_DEFAULT_S = 30;
/** The API's own ceiling (--wait-max-timeout) is 5 minutes by default. */
const WAIT_MAX_S = 300;

const messageId = z.string().regex(/^[0-9A-Za-z]{1,64}$/, 'must be a message ID (letters and digits, as list_messages shows)');
const idOrLatest = z
  .string()
  .regex(/^(latest|[0-9A-Za-z]{1,64})$/, 'must be a message ID (letters and digits) or "latest"')
  .describe('A message ID, or "latest" for the newest message');
const ids = z.array(messageId).min(1).max(BULK_MAX).describe(`Message IDs (1 to ${BULK_MAX})`);
const query = z.string().max(1000);
const timeZone = z.string().max(64).optional().describe('IANA time zone for before:/after: in the query, e.g. Europe/Berlin');
const paging = {
  start: z.number().int().min(0).max(1_000_000).default(0).describe('How many of the newest messages to skip'),
  limit: z.number().int().min(1).max(LIST_MAX).default(20).describe(`How many messages to return (1 to ${LIST_MAX})`),
};

/** Hints for the client (which calls want the user's consent): what a tool changes and what it reaches. */
const READS: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
const CHANGES: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const DELETES: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

/** Text in, text out: what a tool returns, or the failure an agent can act on. */
type Run<T> = (args: T) => Promise<string>;

/** A failure the agent is told about as a tool error (isError), said as it is. */
class ToolRefusal extends Error {}

function textResult(text: string, isError = false): CallToolResult {
  return { content: [{ type: 'text', text }], ...(isError && { isError: true }) };
}

/** IDs named in a sentence, the first few only: there may be hundreds. */
function idList(ids: readonly string[]): string {
  return ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${ids.length - 10} more`;
}

/**
 * Which of `ids` name a message. The API's bulk routes (delete, mark read, set tags)
 * answer 200 whatever the IDs, as Mailpit's do, so a tool that counted the IDs it was
 * given would report changes that never happened: each ID is asked for first, by its
 * headers (a read that marks nothing read), a few at a time. A message deleted between
 * this and the change is still counted; nothing closer can be known through the API.
 * Throws a ToolRefusal when none exists, so nothing is sent.
 */
async function existing(client: LetterboxClient, ids: readonly string[]): Promise<{ found: string[]; note: string }> {
  const unique = [...new Set(ids)];
  const present: boolean[] = [];
  let next = 0;
  const ask = async () => {
    while (next < unique.length) {
      const i = next++;
      present[i] = await isMessage(client, unique[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, unique.length) }, ask));
  const found = unique.filter((_, i) => present[i]);
  const unknown = unique.filter((_, i) => !present[i]);
  if (found.length === 0) throw new ToolRefusal(`no message has the ID ${idList(unknown)}: nothing changed`);
  return { found, note: unknown.length > 0 ? `; no message has the ID ${idList(unknown)}` : '' };
}

async function isMessage(client: LetterboxClient, id: string): Promise<boolean> {
  // "latest" would be resolved by the message routes, but it is no ID to the bulk ones.
  if (id === 'latest') return false;
  try {
    await client.headers(id);
    return true;
  } catch (error) {
    if (error instanceof LetterboxApiError && error.status === 404) return false;
    throw error;
  }
}

/**
 * Serves the tools on `transport` until it closes, behind the check of every request's
 * params (jsonrpc.ts): both the /mcp endpoint and the stdio command start here.
 */
export async function serveMcp(client: LetterboxClient, version: string, transport: Transport): Promise<McpServer> {
  const { server, tools } = createMcpServer(client, version);
  await server.connect(checkingParams(transport, tools));
  return server;
}

/** An McpServer whose tools act on the Letterbox `client` talks to, and the names of its tools. */
function createMcpServer(client: LetterboxClient, version: string): { server: McpServer; tools: Set<string> } {
  const server = new McpServer({ name: 'letterbox', version }, { instructions: INSTRUCTIONS });
  const tools = new Set<string>();

  function tool<S extends z.ZodRawShape>(name: string, description: string, shape: S, run: Run<z.output<ReturnType<typeof z.strictObject<S>>>>, annotations = READS): void {
    const inputSchema = z.strictObject(shape);
    tools.add(name);
    server.registerTool<z.ZodRawShape, typeof inputSchema>(
      name,
      { description, inputSchema, annotations },
      async (args) => {
        try {
          return textResult(await run(args));
        } catch (error) {
          return textResult(error instanceof ToolRefusal ? error.message : describeFailure(error, client.baseUrl), true);
        }
      },
    );
  }

  tool('list_messages', 'List caught messages, newest first: ID, sender, recipients, subject, time, tags, a snippet.', paging, async ({ start, limit }) =>
    page(await client.list({ start, limit })),
  );

  tool(
    'search_messages',
    'Search messages, newest first, with the web inbox syntax: words, "exact phrase", from:, to:, subject:, tag:, is:read, is:unread, has:attachment, before:, after:, and -term to exclude.',
    { query: query.min(1).describe('The search'), ...paging, tz: timeZone },
    async ({ query: q, start, limit, tz }) => page(await client.search({ query: q, start, limit, ...(tz && { tz }) })),
  );

  tool(
    'get_message',
    'Read one message: its main headers, attachments and body. body = "text" (the text part, or the HTML shown as text when there is none), "html_as_text", or "html" (the HTML source). Reading marks it read.',
    {
      id: idOrLatest,
      body: z.enum(['text', 'html_as_text', 'html']).default('text'),
      max_chars: z.number().int().min(100).max(TEXT_MAX).default(TEXT_DEFAULT).describe(`Longest body returned (up to ${TEXT_MAX})`),
    },
    async ({ id, body: form, max_chars }) => messageText(await client.get(id), form, max_chars),
    CHANGES,
  );

  tool('get_message_headers', 'Every header field of a message, by name.', { id: idOrLatest }, async ({ id }) =>
    capText(JSON.stringify(await client.headers(id), null, 1), TEXT_MAX),
  );

  tool(
    'get_message_source',
    'The raw message exactly as received (RFC 5322 source), cut at max_bytes.',
    { id: idOrLatest, max_bytes: z.number().int().min(100).max(RAW_MAX).default(RAW_DEFAULT).describe(`Most bytes returned (up to ${RAW_MAX})`) },
    async ({ id, max_bytes }) => capBytes(await client.raw(id), max_bytes),
  );

  tool(
    'wait_for_message',
    'Wait on the server until a message matching the search arrives, and return it. Pass after = the newest ID seen before triggering the email, so an older message does not count; without it an existing match answers at once. Keep timeout_seconds under your client\'s own request timeout (often 60 s).',
    {
      query: query.default('').describe('A search (same syntax as search_messages); empty = any message'),
      after: messageId.optional().describe('Only a message that arrived after this one counts'),
      timeout_seconds: z.number().int().min(1).max(WAIT_MAX_S).default(WAIT_DEFAULT_S).describe(`How long to wait (1 to ${WAIT_MAX_S})`),
    },
    async ({ query: q, after, timeout_seconds }) =>
      JSON.stringify(brief(await client.waitForMessage({ query: q, timeout: timeout_seconds * 1000, ...(after && { after }) })), null, 1),
  );

  tool('extract_links_and_codes', 'The links and likely one-time codes (verification, login, OTP) in a message, in order of appearance.', { id: idOrLatest }, async ({ id }) => {
    const found = await client.extract(id);
    return JSON.stringify({ ID: found.ID, Codes: found.Codes, Links: found.Links }, null, 1);
  });

  tool(
    'check_links',
    'Ask each http(s) link in a message and report its HTTP status (the Letterbox server sends the requests).',
    { id: idOrLatest, follow_redirects: z.boolean().default(false) },
    async ({ id, follow_redirects }) => JSON.stringify(await client.linkCheck(id, follow_redirects), null, 1),
    { ...READS, openWorldHint: true },
  );

  tool(
    'check_html',
    "Which HTML and CSS features the message's HTML uses, how well email clients support each (caniemail.com data), and the lines that use them.",
    { id: idOrLatest },
    async ({ id }) => JSON.stringify(await client.htmlCheck(id), null, 1),
  );

  tool(
    'check_spam',
    "SpamAssassin's score for the message and the rules that matched (the server needs --enable-spamassassin).",
    { id: idOrLatest },
    async ({ id }) => JSON.stringify(await client.spamAssassinCheck(id), null, 1),
  );

  tool('list_tags', 'Every tag in use.', {}, async () => JSON.stringify(await client.tags()));

  tool(
    'set_tags',
    'Replace the tags of messages ([] clears them).',
    { ids, tags: z.array(z.string().min(1).max(100)).max(50) },
    async ({ ids: which, tags }) => {
      // Mailpit's tag cleaner would make "!!!" nothing and clear the tags. This Letterbox's API
      // refuses such a tag too, but `letterbox mcp` may talk to a Mailpit or an older
      // Letterbox, so the tool refuses it itself, by the same rule.
      const unclean = tags.find((tag) => !isCleanTag(tag));
      if (unclean !== undefined) {
        throw new ToolRefusal(`${JSON.stringify(unclean)} is not a tag: ${TAG_RULE}; nothing changed`);
      }
      const { found, note } = await existing(client, which);
      await client.setTags(found, tags);
      return `tags of ${found.length} message(s) set to [${tags.join(', ')}]${note}`;
    },
    CHANGES,
  );

  tool(
    'mark_read',
    'Mark messages read, or unread with read = false.',
    { ids, read: z.boolean().default(true) },
    async ({ ids: which, read }) => {
      const { found, note } = await existing(client, which);
      await client.markRead({ ids: found }, read);
      return `${found.length} message(s) marked ${read ? 'read' : 'unread'}${note}`;
    },
    CHANGES,
  );

  tool(
    'delete_messages',
    'Delete messages for good (from every front: web inbox, API, POP3, IMAP).',
    { ids },
    async ({ ids: which }) => {
      const { found, note } = await existing(client, which);
      await client.delete(found);
      return `${found.length} message(s) deleted${note}`;
    },
    DELETES,
  );

  tool(
    'release_message',
    'Send a caught message on to real recipients through the relay Letterbox is configured with (off unless configured).',
    { id: messageId, to: z.array(z.string().min(3).max(254)).min(1).max(50).describe('Recipient addresses') },
    async ({ id, to }) => {
      await client.release(id, to);
      return `message ${id} released to ${to.join(', ')}`;
    },
    { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  );

  tool('server_info', 'Letterbox version, message and unread counts, tags and runtime statistics.', {}, async () => JSON.stringify(await client.info(), null, 1));

  return { server, tools };
}

const INSTRUCTIONS = `Letterbox is a mail sandbox: it catches every email an application sends over SMTP.
To test an email flow (signup, password reset, login code): note the newest message ID with
list_messages (limit 1), trigger the email, call wait_for_message with after = that ID and a
search such as to:user@example.com, then extract_links_and_codes on the ID it returns.`;
