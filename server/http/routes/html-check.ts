import type { RouteModule } from '../api.js';
import { resolveParsed } from '../resolve.js';
import { fail } from '../respond.js';

/** Mailpit's HTML check: the caniemail.com features a message's HTML uses, per email client. */
export const htmlCheckRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/message/:ID/html-check', async (c) => {
    const resolved = await resolveParsed(c, api);
    if (!resolved.ok) return fail(c, resolved.status, resolved.message);
    const { parsed } = resolved;
    if (parsed.html.trim() === '') return fail(c, 400, 'message does not contain HTML');
    // Loaded on first use: the HTML parser and caniemail's data are needed by no other route.
    const { checkHtml } = await import('../html-check.js');
    return c.json(checkHtml(parsed.html));
  });
};
