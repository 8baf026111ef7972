import type { Context } from 'hono';
import { extractLinks, extractLinksAndCodes } from '../../mime/extract.js';
import { firstFieldValue } from '../../mime/field-value.js';
import { readHeaderFields } from '../../mime/headers.js';
import { listUnsubscribe } from '../../mime/list-unsubscribe.js';
import { STORED_ADDRESSES } from '../../mime/summary.js';
import { thumbnail } from '../../mime/thumbnail.js';
import { SEEN } from '../../store/memory-store.js';
import type { Api, RouteModule } from '../api.js';
import { checkLinks } from '../link-check.js';
import { addressDto, addressListsDto, attachmentDto, parseErrorOf, rfc3339 } from '../../shapes/mailpit-json.js';
import { resolveMessage } from '../resolve.js';
import { fail } from '../respond.js';

/** Go's textproto canonical header name: `message-id` → `Message-Id`. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}

function headerValue(raw: Buffer, name: string): string {
  return firstFieldValue(raw, name) ?? '';
}

/** Quotes a file name for Content-Disposition (RFC 6266 §4.3, with an RFC 5987 UTF-8 form). */
export function dispositionFilename(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * A part is the sender's bytes served from this origin, so it must never be a script
 * context: under the inbox's `script-src 'self'`, an HTML attachment could load the
 * script attachment beside it (`<script src="3">`) and drive the API. No script of any
 * kind runs in a part; images, styles and media still show, and (with no `sandbox`)
 * a PDF still opens in the browser's viewer.
 */
export const PART_CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'";

async function withMessage(c: Context, api: Api) {
  const resolved = resolveMessage(c, api);
  if (!resolved.ok) return { response: fail(c, resolved.status, resolved.message) } as const;
  return { message: resolved.message } as const;
}

export const messageRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/message/:ID', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const message = found.message;
    const parsed = await api.parsed.get(message);
    // Mailpit marks a message read when its full object is fetched (and announces it).
    api.store.setFlags([message.id], 'add', [SEEN]);
    const s = message.summary;
    return c.json({
      ID: message.id,
      MessageID: s.messageId,
      From: s.from ? addressDto(s.from) : { Name: '', Address: '' },
      ...addressListsDto(s, STORED_ADDRESSES),
      ReturnPath: s.returnPath,
      Subject: s.subject,
      ListUnsubscribe: listUnsubscribe(headerValue(message.raw, 'List-Unsubscribe'), headerValue(message.raw, 'List-Unsubscribe-Post')),
      Date: rfc3339(s.date ?? message.receivedAt),
      Tags: [...message.tags],
      Username: message.client.username,
      Text: parsed.text,
      HTML: parsed.html,
      Size: message.raw.length,
      Inline: parsed.inline.map(attachmentDto),
      Attachments: parsed.attachments.map(attachmentDto),
      // Not in Mailpit's shape: the SMTP envelope (MAIL FROM, RCPT TO), which the web inbox shows.
      Envelope: { From: message.envelope.mailFrom, To: [...message.envelope.rcptTo] },
      // Not in Mailpit's shape: why this view is not the whole message; '' when it is.
      ParseError: parseErrorOf(s, parsed),
    });
  });

  app.get('/api/v1/message/:ID/headers', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const headers: Record<string, string[]> = {};
    for (const field of readHeaderFields(found.message.raw)) (headers[canonicalHeaderName(field.name)] ??= []).push(field.value);
    const sorted = Object.fromEntries(Object.keys(headers).sort().map((k) => [k, headers[k] as string[]]));
    return c.json(sorted);
  });

  app.get('/api/v1/message/:ID/raw', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (c.req.query('dl') === '1') headers['Content-Disposition'] = `attachment; filename="${found.message.id}.eml"`;
    return c.body(new Uint8Array(found.message.raw), 200, headers);
  });

  app.get('/api/v1/message/:ID/part/:PartID', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const parsed = await api.parsed.get(found.message);
    const part = [...parsed.attachments, ...parsed.inline].find((p) => p.partId === c.req.param('PartID'));
    if (!part) return fail(c, 404, '404 page not found');
    return c.body(new Uint8Array(part.content), 200, {
      'Content-Type': part.contentType,
      'Content-Disposition': dispositionFilename('inline', part.fileName || part.contentId || part.partId),
      'Content-Security-Policy': PART_CSP,
    });
  });

  app.get('/api/v1/message/:ID/part/:PartID/thumb', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const parsed = await api.parsed.get(found.message);
    const part = [...parsed.attachments, ...parsed.inline].find((p) => p.partId === c.req.param('PartID'));
    if (!part) return fail(c, 404, '404 page not found');
    return c.body(new Uint8Array(await thumbnail(part.content, part.contentType)), 200, {
      'Content-Type': 'image/jpeg',
      'Content-Disposition': dispositionFilename('inline', (part.fileName || part.partId) + '.jpg'),
    });
  });

  app.get('/api/v1/message/:ID/extract', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const parsed = await api.parsed.get(found.message);
    return c.json({ ID: found.message.id, ...extractLinksAndCodes(parsed.text, parsed.html, found.message.summary.subject) });
  });

  // Mailpit's link check: the status of each http(s) link (href, src, text) of the message.
  app.get('/api/v1/message/:ID/link-check', async (c) => {
    const found = await withMessage(c, api);
    if ('response' in found) return found.response;
    const parsed = await api.parsed.get(found.message);
    const follow = /^(1|true)$/i.test(c.req.query('follow') ?? '');
    return c.json(await checkLinks(extractLinks(parsed.text, parsed.html), { follow, allowInternal: api.config.allowInternalHttpRequests }));
  });
};
