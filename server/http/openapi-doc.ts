/**
 * The OpenAPI 3 description of every route, written by hand (not generated from the
 * router) so that a test can compare the two and fail when either side drifts.
 */
type Param = { name: string; in: 'path' | 'query'; required?: boolean; description: string; schema?: { type: string } };
interface Operation {
  summary: string;
  params?: Param[];
  body?: string;
  ok: { type: string; description: string };
  errors?: number[];
}

const ID: Param = { name: 'ID', in: 'path', required: true, description: 'Message ID, or "latest"' };
const PART: Param = { name: 'PartID', in: 'path', required: true, description: 'MIME part path such as 2 or 1.2' };
const TAG: Param = { name: 'Tag', in: 'path', required: true, description: 'Tag name (URL-encoded)' };
const LATEST_QUERY: Param = { name: 'query', in: 'query', description: 'With ID "latest": the newest message matching this search' };
const PAGING: Param[] = [
  { name: 'start', in: 'query', description: 'Offset from the newest message', schema: { type: 'integer' } },
  { name: 'limit', in: 'query', description: 'Page size (default 50, 0 = all)', schema: { type: 'integer' } },
  { name: 'before', in: 'query', description: 'Only messages received before this date-time' },
];
const SEARCH: Param = { name: 'query', in: 'query', required: true, description: "Mailpit search syntax" };
const TZ: Param = { name: 'tz', in: 'query', description: 'IANA time zone for before:/after:' };
const JSON_T = 'application/json';
const TEXT_T = 'text/plain';

export const ROUTES: Record<string, Record<string, Operation>> = {
  '/api/v1/messages': {
    get: { summary: 'List messages, newest first', params: PAGING, ok: { type: JSON_T, description: 'MessagesSummary' }, errors: [400] },
    put: { summary: 'Mark messages read or unread by IDs, by Search, or all when neither is given (keys in any case; an unknown key is a 400)', params: [TZ], body: '{IDs?, Read, Search?}', ok: { type: TEXT_T, description: 'ok' }, errors: [400] },
    delete: { summary: 'Delete messages by IDs, or all for no body, {} or {"IDs": []} (keys in any case; any other key is a 400)', body: '{IDs?}', ok: { type: TEXT_T, description: 'ok' }, errors: [400] },
  },
  '/api/v1/search': {
    get: { summary: 'Search messages', params: [SEARCH, ...PAGING, TZ], ok: { type: JSON_T, description: 'MessagesSummary' }, errors: [400] },
    delete: { summary: 'Delete the messages a search matches', params: [SEARCH, TZ], ok: { type: TEXT_T, description: 'ok' }, errors: [400] },
  },
  '/api/v1/message/{ID}': {
    get: { summary: 'The full message (marks it read)', params: [ID, LATEST_QUERY], ok: { type: JSON_T, description: 'Message' }, errors: [400, 404] },
  },
  '/api/v1/message/{ID}/headers': {
    get: { summary: 'Header fields by canonical name', params: [ID, LATEST_QUERY], ok: { type: JSON_T, description: 'map of name to values' }, errors: [404] },
  },
  '/api/v1/message/{ID}/raw': {
    get: { summary: 'The exact bytes received', params: [ID, LATEST_QUERY, { name: 'dl', in: 'query', description: '1 = as a download' }], ok: { type: TEXT_T, description: 'RFC 5322 source' }, errors: [404] },
  },
  '/api/v1/message/{ID}/release': {
    post: { summary: 'Release the message to real recipients (smarthost or MX)', params: [ID], body: '{ "To": string[] }', ok: { type: TEXT_T, description: 'ok (202 while retrying a temporary failure)' }, errors: [400, 404, 429] },
  },
  '/api/v1/message/{ID}/releases': {
    get: { summary: 'Every release of the message: attempts, outcomes and SMTP transcripts', params: [ID, LATEST_QUERY], ok: { type: JSON_T, description: '{ Enabled, Releases }' }, errors: [404] },
  },
  '/api/v1/message/{ID}/part/{PartID}': {
    get: { summary: 'One attachment or inline part: a verified raster image or plain text shown in place, anything else a download', params: [ID, PART], ok: { type: 'application/octet-stream', description: 'part content' }, errors: [404] },
  },
  '/api/v1/message/{ID}/part/{PartID}/thumb': {
    get: { summary: 'A 180x120 JPEG thumbnail of an image part', params: [ID, PART], ok: { type: 'image/jpeg', description: 'thumbnail' }, errors: [404] },
  },
  '/api/v1/message/{ID}/extract': {
    get: { summary: 'Links and likely one-time codes in the message', params: [ID, LATEST_QUERY], ok: { type: JSON_T, description: '{ID, Links, Codes}' }, errors: [404] },
  },
  '/api/v1/message/{ID}/link-check': {
    get: {
      summary: 'Status of each http(s) link (HEAD, 5 at a time; loopback and private addresses refused unless --allow-internal-http-requests)',
      params: [ID, LATEST_QUERY, { name: 'follow', in: 'query', description: 'true = follow redirects' }],
      ok: { type: JSON_T, description: '{Errors, Links: [{URL, StatusCode, Status}]}' },
      errors: [404],
    },
  },
  '/api/v1/message/{ID}/html-check': {
    get: {
      summary: 'Which caniemail.com HTML and CSS features the HTML uses, and their support per email client (with the lines where each occurs)',
      params: [ID, LATEST_QUERY],
      ok: { type: JSON_T, description: '{Platforms, Total, Warnings: [{Slug, Title, Category, Score, Results, NodeLines, ...}], Truncated, Notice}' },
      errors: [400, 404],
    },
  },
  '/api/v1/message/{ID}/remote-image': {
    get: {
      summary: "One remote image the message's HTML names, fetched by the server for the web inbox's screenshot (loopback and private addresses refused unless --allow-internal-http-requests)",
      params: [ID, { name: 'url', in: 'query', description: 'the image URL as the HTML writes it' }],
      ok: { type: 'image/*', description: 'the image' },
      errors: [400, 404, 502],
    },
  },
  '/api/v1/wait': {
    get: {
      summary: 'Wait until a message matching the search (newer than after) exists',
      params: [
        { name: 'query', in: 'query', description: 'Search; any message when empty' },
        { name: 'after', in: 'query', description: 'Only messages newer than this ID' },
        { name: 'timeout', in: 'query', description: 'Duration such as 30s (default 30s)' },
        TZ,
      ],
      ok: { type: JSON_T, description: 'MessageSummary' },
      errors: [400, 404, 408],
    },
  },
  '/api/v1/export': {
    get: {
      summary: 'Every message (or those a search finds), oldest first, as an mbox or a zip of .eml files',
      params: [{ name: 'format', in: 'query', description: 'mbox (default) or zip' }, { name: 'query', in: 'query', description: 'Search; every message when empty' }, TZ],
      ok: { type: 'application/mbox', description: 'mbox, or application/zip' },
      errors: [400],
    },
  },
  '/api/v1/chaos': {
    get: { summary: 'SMTP fault triggers (Sender, Recipient, Authentication, Connect, Data)', ok: { type: JSON_T, description: '{Stage: {ErrorCode, Probability}}' }, errors: [400] },
    put: { summary: 'Replace the SMTP fault triggers; those left out are turned off', body: '{Stage: {ErrorCode, Probability}}', ok: { type: JSON_T, description: 'the triggers now set' }, errors: [400] },
  },
  '/api/v1/chaos/pause': {
    get: { summary: 'Whether SMTP is paused: off, discard (accept and drop) or refuse (421)', ok: { type: JSON_T, description: '{Mode}' }, errors: [400] },
    put: { summary: 'Pause or resume SMTP', body: '{Mode}', ok: { type: JSON_T, description: '{Mode}' }, errors: [400] },
  },
  '/api/v1/tags': {
    get: { summary: 'Every tag in use', ok: { type: JSON_T, description: 'string[]' } },
    put: { summary: 'Replace the tags of messages', body: '{IDs, Tags}', ok: { type: TEXT_T, description: 'ok' }, errors: [400] },
  },
  '/api/v1/tags/{Tag}': {
    put: { summary: 'Rename a tag', params: [TAG], body: '{Name}', ok: { type: TEXT_T, description: 'ok' }, errors: [400] },
    delete: { summary: 'Remove a tag from every message', params: [TAG], ok: { type: TEXT_T, description: 'ok' } },
  },
  '/api/v1/send': {
    post: { summary: 'Store a message given as JSON, as if received over SMTP', body: 'SendRequest', ok: { type: JSON_T, description: '{ID}' }, errors: [400, 413] },
  },
  '/api/v1/info': { get: { summary: 'Application information and runtime statistics', ok: { type: JSON_T, description: 'AppInformation' } } },
  '/api/v1/webui': { get: { summary: 'Configuration for the web inbox', ok: { type: JSON_T, description: 'WebUIConfiguration, plus SMTPAddress (where mail is received) and, with --inboxes, Inbox (the team inbox served)' } } },
  '/api/v1/openapi.json': { get: { summary: 'This document', ok: { type: JSON_T, description: 'OpenAPI 3' } } },
  '/api/v1/message/{ID}/sa-check': {
    get: { summary: 'SpamAssassin verdict and rules (with --enable-spamassassin; 404 without)', params: [ID], ok: { type: JSON_T, description: 'SpamAssassinResponse' }, errors: [404] },
  },
  '/api/v1/swagger.json': { get: { summary: "This document, at Mailpit's path", ok: { type: JSON_T, description: 'OpenAPI 3' } } },
  '/api/events': { get: { summary: 'WebSocket of live events ({Type, Data}: new, update, delete, prune, truncate, stats)', ok: { type: JSON_T, description: '101 Switching Protocols' } } },
  '/view/{file}': {
    get: {
      summary: 'A message rendered: {ID}.html (HTML part, cid: images linked) or {ID}.txt (text part); `latest` redirects to the web inbox showing the newest message',
      params: [
        { name: 'file', in: 'path', required: true, description: '{ID}.html, {ID}.txt, or latest' },
        { name: 'embed', in: 'query', description: '1 = links open in a new window' },
        { name: 'query', in: 'query', description: 'with latest: the newest message matching this search' },
      ],
      ok: { type: 'text/html', description: 'rendered message' },
      errors: [404],
    },
  },
  '/mcp': {
    post: {
      summary: 'Model Context Protocol for AI agents (streamable HTTP, stateless): tools to list, search, read, wait for and act on messages',
      body: 'JSON-RPC 2.0 message (Accept: application/json, text/event-stream)',
      ok: { type: 'text/event-stream', description: 'the JSON-RPC response as a server-sent event' },
      errors: [400, 413],
    },
  },
  '/livez': { get: { summary: 'Liveness probe', ok: { type: TEXT_T, description: 'ok' } } },
  '/readyz': { get: { summary: 'Readiness probe', ok: { type: TEXT_T, description: 'ok' } } },
  '/metrics': { get: { summary: 'Prometheus metrics', ok: { type: 'text/plain; version=0.0.4', description: 'metrics' } } },
};

const INBOX_NAME: Param = { name: 'Name', in: 'path', required: true, description: 'Inbox name, [a-z0-9][a-z0-9-]{0,62}' };

/**
 * With --inboxes, the routes at the webroot itself; every inbox is then a root of its own
 * at `inbox/{name}/` (and every inbox together at `all/`), each serving ROUTES.
 */
export const INBOX_ROUTES: Record<string, Record<string, Operation>> = {
  '/': { get: { summary: 'The inbox picker: the inboxes this user may read, with their counts', ok: { type: 'text/html', description: 'HTML page' } } },
  '/api/v1/inboxes': {
    get: { summary: 'The inboxes this user may read: [{Name, Messages, Unread, URL, ExpiresAt}]', ok: { type: JSON_T, description: 'array of inboxes' } },
    post: { summary: 'Create an inbox (users with "*" only); TTL such as "24h" removes it by itself', body: '{Name, TTL?}', ok: { type: JSON_T, description: '201 {Name, URL, ExpiresAt, SMTP: {Username, Password}}' }, errors: [400, 403, 409] },
  },
  '/api/v1/inboxes/{Name}': {
    delete: { summary: 'Remove an inbox made through this API and all its mail (users with "*" only; one of the inboxes file: 409)', params: [INBOX_NAME], ok: { type: TEXT_T, description: 'ok' }, errors: [403, 404, 409] },
  },
  '/api/v1/openapi.json': { get: { summary: 'This document', ok: { type: JSON_T, description: 'OpenAPI 3' } } },
  '/livez': ROUTES['/livez'] ?? {},
  '/readyz': ROUTES['/readyz'] ?? {},
  '/metrics': { get: { summary: 'Prometheus metrics over every inbox (users with "*" only)', ok: { type: 'text/plain; version=0.0.4', description: 'metrics' }, errors: [404] } },
};

const STATUS_TEXT: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 408: 'Timed out', 409: 'Conflict', 413: 'Body too large', 429: 'Too many releases (--release-rate)' };

/** The document served at /api/v1/openapi.json (with --inboxes: INBOX_ROUTES at the webroot). */
export function openApiDocument(version: string, webroot: string, routes = ROUTES) {
  const paths: Record<string, unknown> = {};
  for (const [path, methods] of Object.entries(routes)) {
    paths[path] = Object.fromEntries(
      Object.entries(methods).map(([method, op]) => [
        method,
        {
          summary: op.summary,
          parameters: (op.params ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required ?? false, description: p.description, schema: p.schema ?? { type: 'string' } })),
          ...(op.body ? { requestBody: { content: { [JSON_T]: { schema: { type: 'object', description: op.body } } } } } : {}),
          responses: {
            '200': { description: op.ok.description, content: { [op.ok.type]: {} } },
            ...Object.fromEntries((op.errors ?? []).map((code) => [String(code), { description: STATUS_TEXT[code] ?? 'Error' }])),
          },
        },
      ]),
    );
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Letterbox API (Mailpit-compatible)', version },
    servers: [{ url: webroot.replace(/\/$/, '') || '/' }],
    paths,
  };
}

