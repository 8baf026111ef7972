import type { RouteModule } from '../api.js';
import { resolveMessage } from '../resolve.js';
import { fail, notFound } from '../respond.js';

/**
 * Mailpit's SpamAssassin check. Without --enable-spamassassin the route answers 404, as
 * Mailpit's is then not registered; a spamd that cannot be asked is reported in the
 * body's `Error`, with 200, as Mailpit does.
 */
export const spamCheckRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/message/:ID/sa-check', async (c) => {
    if (!api.spam) return notFound(c);
    const resolved = await resolveMessage(c, api);
    if (!resolved.ok) return fail(c, resolved.status, resolved.message);
    const report = await api.spam.check(api.store, resolved.message.id);
    return report ? c.json(report) : notFound(c);
  });
};
