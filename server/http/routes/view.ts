import type { RouteModule } from '../api.js';
import { resolveMessage, resolveParsed } from '../resolve.js';
import { fail } from '../respond.js';

/**
 * Mail HTML is hostile by default: rendered with no scripts, no forms, no plugins, and
 * only inside frames of this origin; images may load (as in Mailpit) so layouts show.
 */
export const VIEW_HTML_CSP =
  "default-src 'none'; img-src * data: blob:; style-src 'unsafe-inline' *; font-src * data:; media-src * data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox allow-popups allow-popups-to-escape-sandbox allow-same-origin";

/**
 * With `remote=0` (the web inbox's default) nothing may load from another host: no tracking
 * pixels, remote CSS or fonts. The inbox frames the page sandboxed without allow-same-origin,
 * and 'self' matches nothing in such an opaque-origin document, so this host is named.
 */
export function viewHtmlCspNoRemote(host: string): string {
  const self = /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` http://${host} https://${host}` : '';
  return `default-src 'none'; img-src 'self'${self} data: blob:; style-src 'unsafe-inline'; font-src 'self'${self} data:; media-src 'self'${self} data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox allow-popups allow-popups-to-escape-sandbox allow-same-origin`;
}

/**
 * The Content-ID a `cid:` URL names: its percent-escapes decoded (RFC 2392 §2). An
 * escape that does not decode (`%E0%A4%A`, a lone `%`) is the sender's typo, not an
 * error of ours: the reference is compared as written.
 */
function cidValue(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

export const viewRoutes: RouteModule = (app, api) => {
  // Hono cannot split `:ID.html` on the dot in one segment, so the extension is matched here.
  app.get('/view/:file', async (c) => {
    if (c.req.param('file') === 'latest') {
      // Mailpit's shortcut: the web inbox showing the newest (matching) message.
      const resolved = await resolveMessage(c, api, 'latest');
      if (!resolved.ok) return fail(c, resolved.status, resolved.message);
      return c.redirect(`${api.config.webroot}?m=${encodeURIComponent(resolved.message.id)}`, 302);
    }
    const match = /^(.+)\.(html|txt)$/.exec(c.req.param('file'));
    if (!match) return fail(c, 404, '404 page not found');
    const [, id, kind] = match as unknown as [string, string, 'html' | 'txt'];
    const resolved = await resolveParsed(c, api, id);
    if (!resolved.ok) return fail(c, resolved.status, resolved.message);
    const { parsed } = resolved;
    if (kind === 'txt') return c.text(parsed.text, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
    if (!parsed.html) return fail(c, 404, 'message does not contain HTML');
    const base = `${api.config.webroot}api/v1/message/${encodeURIComponent(resolved.message.id)}/part/`;
    // cid: references become this message's part URLs (RFC 2392), as Mailpit rewrites them.
    const byCid = new Map([...parsed.inline, ...parsed.attachments].filter((p) => p.contentId).map((p) => [p.contentId.toLowerCase(), p.partId]));
    let html = parsed.html.replace(/(["'(])cid:([^"')\s]+)/gi, (whole, quote: string, cid: string) => {
      const partId = byCid.get(cidValue(cid).toLowerCase());
      return partId ? `${quote}${base}${encodeURIComponent(partId)}` : whole;
    });
    if (c.req.query('embed') === '1') {
      html = html.replace(/<a\s/gi, '<a target="_blank" rel="noreferrer noopener" ');
    }
    return c.html(html, 200, { 'Content-Security-Policy': c.req.query('remote') === '0' ? viewHtmlCspNoRemote(c.req.header('host') ?? '') : VIEW_HTML_CSP });
  });
};
