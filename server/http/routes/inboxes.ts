import type { Context, Hono } from 'hono';
import { INBOX_NAME, type CreateInboxError, type Inbox, type InboxDirectory, type Reader } from '../../inboxes/types.js';
import type { Logger } from '../../lib/log.js';
import { parseDuration } from '../../lib/options.js';
import type { CreatedInbox as CreatedDto, InboxSummary } from '../../shapes/wire-types.js';
import type { HttpEnv } from '../api.js';
import { line, object, optional, required } from '../decode-body.js';
import { requestBody } from '../request-body.js';
import { noInbox, ok, unavailable } from '../respond.js';

const CREATE_BODY = object({ Name: required(line), TTL: optional(line) });

/** An inbox kept longer than a year is not short-lived: make it in the inboxes file. */
const LONGEST_TTL_MS = 365 * 24 * 3_600_000;

const CREATE_STATUS: Record<CreateInboxError['error'], 400 | 409> = { 'invalid-name': 400, 'invalid-ttl': 400, exists: 409, limit: 409 };

/** The signed-in user; the inbox app's auth runs before every route that reaches here. */
export function readerOf(c: Context<HttpEnv>): Reader {
  const reader = c.get('reader');
  if (!reader) throw new Error('inbox route reached without a signed-in user');
  return reader;
}

/**
 * A TTL such as "24h", "90m" or "3600" (seconds), from a second to a year: an inbox
 * that expires as it is made is a mistake to report, not to make.
 */
function ttlMs(text: string): number | string {
  const ms = text === text.trim() ? parseDuration(text) : undefined;
  if (ms === undefined || ms < 1_000) return `"TTL" must be a duration of a second or more, such as "24h", "90m" or "30s", not ${JSON.stringify(text)}`;
  if (ms > LONGEST_TTL_MS) return `"TTL" is longer than a year (365 days): an inbox meant to last belongs in the inboxes file`;
  return ms;
}

/**
 * The inboxes API at the webroot with --inboxes. Listing shows only the inboxes the
 * user may read; creating and removing need "*" (403 for anyone else, whatever the name,
 * so the answer says nothing about which inboxes exist).
 */
export function inboxesRoutes(app: Hono<HttpEnv>, directory: InboxDirectory, webroot: string, log: Logger): void {
  const url = (c: Context, name: string) => new URL(`${webroot}inbox/${name}/`, c.req.url).href;
  const expiry = (inbox: Inbox) => inbox.expiresAt?.toISOString() ?? null;
  const adminOnly = (c: Context) => c.json({ Error: 'only users with "*" may create or remove inboxes' }, 403);

  app.get('/api/v1/inboxes', (c) =>
    c.json(
      directory.readable(readerOf(c)).map((inbox): InboxSummary => {
        const { messages, unread } = inbox.store.stats();
        return { Name: inbox.name, Messages: messages, Unread: unread, URL: url(c, inbox.name), ExpiresAt: expiry(inbox) };
      }),
    ),
  );

  app.post('/api/v1/inboxes', async (c) => {
    const reader = readerOf(c);
    if (!reader.all) return adminOnly(c);
    const body = await requestBody(c, CREATE_BODY);
    if (!body.ok) return body.response;
    const { Name, TTL } = body.value;
    if (!INBOX_NAME.test(Name)) {
      return c.json({ Error: `"Name" must be 1 to 63 of a-z, 0-9 and "-", not starting with "-": ${JSON.stringify(Name)}` }, 400);
    }
    const ttl = TTL === undefined ? undefined : ttlMs(TTL);
    if (typeof ttl === 'string') return c.json({ Error: ttl }, 400);
    const made = directory.create(Name, ttl);
    if ('error' in made) return c.json({ Error: made.text }, CREATE_STATUS[made.error]);
    // Answered once every node can see it (with --database); a node that lost the name to another is told so.
    const kept = await made.kept.catch(() => undefined);
    if (kept === false) return c.json({ Error: `there is already an inbox named ${Name}` }, 409);
    if (kept === undefined) return unavailable(c);
    log.info('inbox created', { inbox: Name, by: reader.name, ...(ttl !== undefined && { ttlMs: ttl }) });
    const created: CreatedDto = { Name, URL: url(c, Name), ExpiresAt: expiry(made.inbox), SMTP: { Username: made.smtpUser, Password: made.smtpPassword } };
    return c.json(created, 201);
  });

  app.delete('/api/v1/inboxes/:Name', (c) => {
    const reader = readerOf(c);
    if (!reader.all) return adminOnly(c);
    const name = c.req.param('Name');
    // An inbox of the file would come back, empty, at the next reload: the file is where it goes.
    if (directory.get(name)?.dynamic === false) return c.json({ Error: `inbox ${name} is defined in the inboxes file: remove it there` }, 409);
    if (!INBOX_NAME.test(name) || !directory.remove(name)) return noInbox(c);
    log.info('inbox removed', { inbox: name, by: reader.name });
    return ok(c);
  });
}
