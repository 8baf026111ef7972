import type { RouteModule } from '../api.js';
import { bodyBytes } from '../body-bytes.js';
import { fetchRemoteImage } from '../remote-image.js';
import { resolveMessage } from '../resolve.js';
import { fail, notFound } from '../respond.js';
import type { ParsedMessage } from '../../mime/parse.js';

/**
 * The image URLs of each parsed view still held by the parse cache: the screenshot asks
 * for every image of a message at once, and reading a large HTML body again for each
 * one made the work the image count times the HTML size.
 */
const imagesOfView = new WeakMap<ParsedMessage, Set<string>>();

/** Longer than any URL a mail client would keep; a longer one is not an image reference. */
const MAX_URL_LENGTH = 8192;

/**
 * One remote image of a message, fetched by the server for the web inbox's screenshot
 * of the HTML view with remote content allowed: the screenshot inlines every image it
 * draws, and the inbox page may fetch only from this origin. Only an image the
 * message's own HTML names is fetched (so this is no open proxy), through the SSRF
 * guard the link check uses, and it is served as an inert image.
 */
export const remoteImageRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/message/:ID/remote-image', async (c) => {
    const resolved = await resolveMessage(c, api);
    if (!resolved.ok) return fail(c, resolved.status, resolved.message);
    // A name given twice is refused for every route (query-params.ts).
    const known = Object.keys(c.req.queries()).filter((name) => name !== 'url');
    if (known.length > 0) return fail(c, 400, `unknown query parameter "${known[0]}"`);
    const wanted = c.req.query('url');
    if (!wanted) return fail(c, 400, 'give the image as one url query parameter');
    if (wanted.length > MAX_URL_LENGTH) return fail(c, 400, `url is longer than ${MAX_URL_LENGTH} characters`);
    const parsed = await api.parsed.get(api.store, resolved.message);
    if (!parsed) return notFound(c);
    const { remoteImageUrls, absoluteHttpUrl } = await import('../../mime/remote-images.js');
    const href = absoluteHttpUrl(wanted);
    let images = imagesOfView.get(parsed);
    if (!images) imagesOfView.set(parsed, (images = remoteImageUrls(parsed.html)));
    if (!href || !images.has(href)) return fail(c, 400, 'url is not a remote image of this message');
    const image = await fetchRemoteImage(href, { allowInternal: api.config.allowInternalHttpRequests });
    if (typeof image === 'string') return fail(c, 502, image);
    return c.body(bodyBytes(image.body), 200, {
      'Content-Type': image.contentType,
      'X-Content-Type-Options': 'nosniff',
      // An SVG opened at the top level must run nothing and reach nothing.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'Cache-Control': 'private, max-age=300',
    });
  });
};
