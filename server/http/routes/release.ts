/**
 * Release routes: Mailpit's `POST /api/v1/message/{ID}/release` with its replies,
 * and `GET /api/v1/message/{ID}/releases`, every attempt with its SMTP transcript.
 */
import type { Context } from 'hono';
import type { RouteModule } from '../api.js';
import { arrayOf, line, object, required } from '../decode-body.js';
import { requestBody } from '../request-body.js';
import { fail, jsonFail, notFound, ok } from '../respond.js';
import type { ReleasesResponse } from '../../shapes/wire-types.js';
import { releaseDto } from '../release-dto.js';
import { resolveMessage } from '../resolve.js';
import type { ReleaseRecord } from '../../relay/release-history.js';
import type { ReleaseRefusal } from '../../relay/release-service.js';
import { printable } from '../../security/mailbox.js';

/** mailpit-api.md §2.3: each address is then checked by the release service. */
const RELEASE_BODY = object({ To: required(arrayOf(line)) });

const NOT_CONFIGURED = 'Release is not configured: start Letterbox with --release-smarthost HOST:PORT or --release-mx --release-allow DOMAIN';

type MailpitRefusal = Exclude<ReleaseRefusal, { refused: 'not-found' | 'too-many-recipients' | 'rate-limited' }>;

/** Mailpit's 400 texts for refusals (mailpit-api.md §2.3); a refused address is quoted with its control characters escaped. */
function refusalText(refusal: MailpitRefusal): string {
  switch (refusal.refused) {
    case 'invalid-address':
      return `Invalid email address: ${printable(refusal.address)}`;
    case 'invalid-sender':
      return `Failed: the sender "${printable(refusal.address)}" cannot be used in MAIL FROM; set --release-sender`;
    case 'no-recipients':
      return 'No valid addresses found';
    case 'not-allowed':
      return `Failed: Address(es) do not match the allowlist: ${refusal.addresses.join(', ')}`;
    case 'loop':
      return `Failed: ${refusal.reason}`;
    case 'stopped':
      return 'Failed: Letterbox is stopping';
  }
}

/**
 * The refusals Mailpit does not have are answered in JSON whatever the Accept header:
 * the recipient cap (400) and the rate limit (429 with Retry-After, RFC 6585 §4).
 */
function refusalResponse(c: Context, refusal: ReleaseRefusal): Response {
  switch (refusal.refused) {
    case 'not-found':
      return notFound(c);
    case 'too-many-recipients':
      return jsonFail(c, 400, `Too many recipients: ${refusal.count} given, at most ${refusal.max} per release (--smtp-max-recipients)`);
    case 'rate-limited': {
      const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
      c.header('Retry-After', String(seconds));
      return c.json({ Error: `Too many releases: at most ${refusal.rate} (--release-rate); try again in ${seconds} s` }, 429);
    }
    default:
      return fail(c, 400, refusalText(refusal));
  }
}

/** All delivered → `ok`; any permanent failure → 400 `SMTP error: …`; only retries left → 202. */
function outcomeResponse(c: Context, record: ReleaseRecord): Response {
  const failed = record.recipients.filter((r) => r.state === 'failed');
  if (failed.length > 0) return fail(c, 400, `SMTP error: ${failed.map((r) => `${r.address}: ${r.reply}`).join('; ')}`);
  const retrying = record.recipients.filter((r) => r.state === 'retrying' || r.state === 'pending');
  if (retrying.length === 0) return ok(c);
  return c.text(`Accepted: temporary failure, retrying in the background: ${retrying.map((r) => `${r.address}: ${r.reply}`).join('; ')}`, 202);
}

export const releaseRoutes: RouteModule = (app, api) => {
  app.post('/api/v1/message/:ID/release', async (c) => {
    const service = api.release;
    // Mailpit does not resolve `latest` here; neither do we.
    const id = c.req.param('ID');
    if (!api.store.get(id)) return notFound(c);
    if (!service) return fail(c, 400, NOT_CONFIGURED);
    const body = await requestBody(c, RELEASE_BODY);
    if (!body.ok) return body.response;
    const outcome = await service.release(id, body.value.To, 'api');
    if ('refused' in outcome) return refusalResponse(c, outcome);
    // Answered once every node can read the release (--database).
    await service.saved();
    return outcomeResponse(c, outcome);
  });

  app.get('/api/v1/message/:ID/releases', async (c) => {
    const resolved = await resolveMessage(c, api);
    if (!resolved.ok) return fail(c, resolved.status, resolved.message);
    const service = api.release;
    const releases = service ? await service.releasesOf(resolved.message.id) : [];
    return c.json({ Enabled: service !== undefined, Releases: releases.map(releaseDto) } satisfies ReleasesResponse);
  });
};
