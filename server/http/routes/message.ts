import type { Context } from 'hono';
import { paramValue } from '../../mime/content-type.js';
import { extractLinks, extractLinksAndCodes } from '../../mime/extract.js';
import { firstFieldValue } from '../../mime/field-value.js';
import { readHeaderFields } from '../../mime/headers.js';
import { listUnsubscribe } from '../../mime/list-unsubscribe.js';
import { buildMimeTree, findPart, SERVED_TREE_LIMITS } from '../../mime/mime-tree.js';
import type { ParsedMessage, ParsedPart } from '../../mime/parse.js';
import { STORED_ADDRESSES } from '../../mime/summary.js';
import { thumbnail } from '../../mime/thumbnail.js';
import { thumbnailOffThread } from '../../derived/parse-jobs.js';
import { contentDisposition, safeFileName } from '../../security/file-name.js';
import { DOWNLOAD, partPresentation, type PartPresentation } from '../../security/part-policy.js';
import { SEEN } from '../../store/types.js';
import type { Api, RouteModule } from '../api.js';
import { bodyBytes } from '../body-bytes.js';
import { checkLinks } from '../link-check.js';
import { addressDto, addressListsDto, attachmentDto, parseErrorOf, rfc3339 } from '../../shapes/mailpit-json.js';
import type { Extracted, Message } from '../../shapes/wire-types.js';
import { resolveMessage, resolveParsed } from '../resolve.js';
import { fail, notFound } from '../respond.js';

/** Go's textproto canonical header name: `message-id` → `Message-Id`. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}

function headerValue(raw: Buffer, name: string): string {
  return firstFieldValue(raw, name) ?? '';
}

/**
 * A part is the sender's bytes served from this origin, so it must never be a script
 * context: under the inbox's `script-src 'self'`, an HTML attachment could load the
 * script attachment beside it (`<script src="3">`) and drive the API. Only verified
 * images and plain text are shown in place (security/part-policy.ts), and even those
 * run nothing: `sandbox` gives a part opened at the top level an opaque origin.
 */
export const PART_CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox";

/**
 * How a part is served (security/part-policy.ts). Plain text is vouched for by the
 * charset its own Content-Type names, read from the message's MIME tree at the part's
 * IMAP path (the parser's PartID); a path that leads elsewhere vouches for nothing.
 * Undefined when the message is gone before its bytes could be read.
 */
async function presentation(api: Api, id: string, part: ParsedPart): Promise<PartPresentation | undefined> {
  if (!/^text\/plain$/i.test(part.contentType)) return partPresentation(part.contentType, part.content, undefined);
  const path = part.partId.split('.').map(Number);
  if (!path.every((n) => Number.isInteger(n) && n > 0)) return DOWNLOAD;
  const raw = await api.store.readRaw(id);
  if (!raw) return undefined;
  const node = findPart(buildMimeTree(raw, SERVED_TREE_LIMITS), path);
  if (!node || `${node.contentType.type}/${node.contentType.subtype}`.toLowerCase() !== 'text/plain') return DOWNLOAD;
  return partPresentation(part.contentType, part.content, paramValue(node.contentType.params, 'charset'));
}

function findParsedPart(parsed: ParsedMessage, partId: string): ParsedPart | undefined {
  return [...parsed.attachments, ...parsed.inline].find((p) => p.partId === partId);
}

async function withMessage(c: Context, api: Api) {
  const resolved = await resolveMessage(c, api);
  if (!resolved.ok) return { response: fail(c, resolved.status, resolved.message) } as const;
  return { message: resolved.message } as const;
}

async function withParsed(c: Context, api: Api) {
  const resolved = await resolveParsed(c, api);
  if (!resolved.ok) return { response: fail(c, resolved.status, resolved.message) } as const;
  return resolved;
}

/** The thumbnail of what cannot be decoded (all white), made once. */
let blankThumbnail: Promise<Buffer> | undefined;

/** Sec-Fetch-Site values of a request another origin's page made (W3C Fetch Metadata §2.1). */
const OTHER_ORIGIN: ReadonlySet<string> = new Set(['cross-site', 'same-site']);

/** The link check's `follow` (Mailpit's is a Go bool: true or false); absent is false. */
const FOLLOW: ReadonlyMap<string, boolean> = new Map([['', false], ['false', false], ['0', false], ['true', true], ['1', true]]);

export const messageRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/message/:ID', async (c) => {
    const found = await withParsed(c, api);
    if ('response' in found) return found.response;
    const { message, parsed } = found;
    // Bytes come through the store's body read, which a backend may serve from elsewhere.
    const raw = await api.store.readRaw(message.id);
    if (!raw) return notFound(c);
    // Mailpit marks a message read when its full object is fetched (and announces it); not
    // for a page of another origin (an <img> pointed here, Fetch Metadata), as no GET is a
    // change another site may make. Scripts and curl send no Sec-Fetch-Site.
    if (!OTHER_ORIGIN.has(c.req.header('sec-fetch-site') ?? '')) await api.store.setFlags([message.id], 'add', [SEEN]);
    const s = message.summary;
    return c.json({
      ID: message.id,
      MessageID: s.messageId,
      From: s.from ? addressDto(s.from) : { Name: '', Address: '' },
      ...addressListsDto(s, STORED_ADDRESSES),
      ReturnPath: s.returnPath,
      Subject: s.subject,
      ListUnsubscribe: listUnsubscribe(headerValue(raw, 'List-Unsubscribe'), headerValue(raw, 'List-Unsubscribe-Post')),
      Date: rfc3339(s.date ?? message.receivedAt),
      Tags: [...message.tags],
      Username: message.client.username,
      Text: parsed.text,
      HTML: parsed.html,
      Size: message.size,
      Inline: parsed.inline.map(attachmentDto),
      Attachments: parsed.attachments.map(attachmentDto),
      // Not in Mailpit's shape: the SMTP envelope (MAIL FROM, RCPT TO), which the web inbox shows.
      Envelope: { From: message.envelope.mailFrom, To: [...message.envelope.rcptTo] },
      // Not in Mailpit's shape: why this view is not the whole message; '' when it is.
      ParseError: parseErrorOf(s, parsed),
    } satisfies Message);
  });

  app.get('/api/v1/message/:ID/headers', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const raw = await api.store.readRaw(found.message.id);
    if (!raw) return notFound(c);
    const headers: Record<string, string[]> = {};
    for (const field of readHeaderFields(raw)) (headers[canonicalHeaderName(field.name)] ??= []).push(field.value);
    const sorted = Object.fromEntries(Object.keys(headers).sort().map((k) => [k, headers[k] as string[]]));
    return c.json(sorted);
  });

  app.get('/api/v1/message/:ID/raw', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (c.req.query('dl') === '1') headers['Content-Disposition'] = `attachment; filename="${found.message.id}.eml"`;
    // Bytes come through the store's body read, which a backend may serve from elsewhere.
    const raw = await api.store.readRaw(found.message.id);
    if (!raw) return notFound(c);
    return c.body(bodyBytes(raw), 200, headers);
  });

  app.get('/api/v1/message/:ID/part/:PartID', async (c) => {
    const found = await withParsed(c, api);
    if ('response' in found) return found.response;
    const part = findParsedPart(found.parsed, c.req.param('PartID'));
    if (!part) return fail(c, 404, '404 page not found');
    const shown = await presentation(api, found.message.id, part);
    if (!shown) return notFound(c);
    return c.body(bodyBytes(part.content), 200, {
      'Content-Type': shown.contentType,
      'Content-Disposition': contentDisposition(shown.inline ? 'inline' : 'attachment', part.fileName, part.contentId || `part-${part.partId}`),
      'Content-Security-Policy': PART_CSP,
      'X-Content-Type-Options': 'nosniff',
    });
  });

  app.get('/api/v1/message/:ID/part/:PartID/thumb', async (c) => {
    const found = await withParsed(c, api);
    if ('response' in found) return found.response;
    const part = findParsedPart(found.parsed, c.req.param('PartID'));
    if (!part) return fail(c, 404, '404 page not found');
    const name = safeFileName(part.fileName) || `part-${part.partId}`;
    // A worker that gave up (its time limit) leaves the blank thumbnail an undecodable image gets.
    const made = (await thumbnailOffThread(part.content, part.contentType)) ?? (await (blankThumbnail ??= thumbnail(Buffer.alloc(0), '')));
    return c.body(bodyBytes(made), 200, {
      'Content-Type': 'image/jpeg',
      'Content-Disposition': contentDisposition('inline', `${name}.jpg`, ''),
    });
  });

  app.get('/api/v1/message/:ID/extract', async (c) => {
    const found = await withParsed(c, api);
    if ('response' in found) return found.response;
    const { parsed } = found;
    return c.json({ ID: found.message.id, ...extractLinksAndCodes(parsed.text, parsed.html, found.message.summary.subject) } satisfies Extracted);
  });

  // Mailpit's link check: the status of each http(s) link (href, src, text) of the message.
  app.get('/api/v1/message/:ID/link-check', async (c) => {
    const found = await withParsed(c, api);
    if ('response' in found) return found.response;
    const { parsed } = found;
    const asked = c.req.query('follow') ?? '';
    const follow = FOLLOW.get(asked.toLowerCase());
    if (follow === undefined) return fail(c, 400, `follow must be true or false, not ${JSON.stringify(asked)}`);
    return c.json(await checkLinks(extractLinks(parsed.text, parsed.html), { follow, allowInternal: api.config.allowInternalHttpRequests }));
  });
};
