import { apiUrl } from './api.js';
import { REMOTE } from './remote-content.js';

/** Taller pages are cut here: Chromium refuses canvases much above 16k pixels a side. */
const MAX_HEIGHT = 16_000;
/** How long remote images may take to arrive through the server before the picture is taken without them. */
const IMAGE_WAIT_MS = 15_000;
const SKIPPED = new Set(['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'noscript']);
const CSS_URL = /url\(\s*(['"]?)([^'")]*)\1\s*\)/gi;
/**
 * A transparent pixel. html-to-image waits for each image it inlines to load, and an
 * image with no source never does, so a blocked, missing or failed image becomes this.
 */
const BLANK = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

export interface ScreenshotRequest {
  id: string;
  /** Remote images are drawn (fetched by the server) only when the user allowed them. */
  allowRemote: boolean;
  /** CSS pixels: the width of the preview the user is looking at. */
  width: number;
}

/**
 * A PNG of a message's HTML as the inbox shows it. The picture is drawn by html-to-image,
 * which must read the document and inline every image it draws, so the HTML is framed a
 * second time, off screen, sandboxed *with* allow-same-origin but without allow-scripts:
 * the inbox can read it, and it can still run nothing (the server's CSP for /view forbids
 * script too). The visible preview stays opaque-origin. The inbox may fetch only from
 * its own origin, so with remote content allowed each remote image goes through
 * /api/v1/message/{ID}/remote-image; with it blocked, remote references are dropped
 * first so nothing is fetched from another host, as the preview promises. Either way
 * every image is a data: URL before html-to-image runs, so it fetches nothing itself.
 */
export async function screenshotHtml(request: ScreenshotRequest): Promise<Blob> {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-same-origin');
  frame.setAttribute('aria-hidden', 'true');
  frame.tabIndex = -1;
  frame.style.cssText = `position:fixed;left:-${request.width + 10_000}px;top:0;width:${request.width}px;height:200px;border:0;background:#fff;color-scheme:light`;
  const loaded = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
  frame.src = apiUrl(`view/${encodeURIComponent(request.id)}.html?embed=1&remote=0`);
  document.body.append(frame);
  try {
    await loaded;
    const doc = frame.contentDocument;
    if (!doc?.body) throw new Error('the HTML view could not be read');
    if (doc.compatMode === 'BackCompat') {
      // html-to-image draws the page as SVG, which lays out in standards mode; mail without a
      // doctype is in quirks mode here, and measured so its picture would come out cut short.
      const markup = doc.documentElement.outerHTML;
      doc.open();
      doc.write(`<!doctype html>${markup}`);
      doc.close();
    }
    const inlined = await inlineRemoteImages(doc, request);
    rewriteRemoteImages(doc, (url) => inlined.get(url) ?? BLANK);
    for (const image of Array.from(doc.images)) if (!image.getAttribute('src') && !image.getAttribute('srcset')) image.setAttribute('src', BLANK);
    postersForVideos(doc);
    await imagesSettled(doc);
    // Measured in a frame one pixel tall, so the page's height is its content's, not the frame's.
    frame.style.height = '1px';
    const height = Math.min(MAX_HEIGHT, Math.max(doc.documentElement.scrollHeight, doc.body.scrollHeight, 1));
    frame.style.height = `${height}px`;
    const { toBlob } = await import('html-to-image');
    const background = doc.defaultView?.getComputedStyle(doc.body).backgroundColor ?? '';
    const blob = await toBlob(doc.documentElement, {
      width: request.width,
      height,
      backgroundColor: background === 'rgba(0, 0, 0, 0)' ? '#ffffff' : background,
      // The inbox's own fonts are not the message's; its web fonts are remote content.
      skipFonts: true,
      // Nested frames, plugins and scripts showed nothing in the preview either (its CSP blocks them).
      filter: (node) => !(node instanceof (node.ownerDocument?.defaultView ?? window).Element) || !SKIPPED.has((node as Element).localName),
      // An image that will not decode is drawn as the browser drew it: broken.
      onImageErrorHandler: () => undefined,
    });
    if (!blob) throw new Error('the browser could not draw the page');
    return blob;
  } finally {
    frame.remove();
  }
}

/**
 * A video in mail shows its poster (mail clients do not play it). html-to-image would
 * fetch the poster itself, which the inbox's CSP forbids even for a data: URL, so each
 * video becomes an image of its poster at the same size.
 */
function postersForVideos(doc: Document): void {
  for (const video of Array.from(doc.querySelectorAll('video'))) {
    const image = doc.createElement('img');
    image.src = video.getAttribute('poster') || BLANK;
    image.width = video.clientWidth;
    image.height = video.clientHeight;
    image.alt = '';
    video.replaceWith(image);
  }
}

/** Remote images fetched at once through the server. */
const PARALLEL = 4;

/** Each remote image URL of the document → its data: URL; empty when remote content is blocked. */
async function inlineRemoteImages(doc: Document, request: ScreenshotRequest): Promise<Map<string, string>> {
  const inlined = new Map<string, string>();
  if (!request.allowRemote) return inlined;
  const urls = new Set<string>();
  rewriteRemoteImages(doc, (url) => {
    urls.add(url);
    return url;
  });
  const queue = [...urls];
  const worker = async () => {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
      const response = await fetch(apiUrl(`api/v1/message/${encodeURIComponent(request.id)}/remote-image?url=${encodeURIComponent(url)}`)).catch(() => undefined);
      // A refused or failed image is left out, as a browser shows a broken one.
      if (response?.ok) inlined.set(url, await dataUrl(await response.blob()));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return inlined;
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('cannot read an image'));
    reader.readAsDataURL(blob);
  });
}

/** Points every remote image reference at `replace(url)` (an empty string drops it). */
function rewriteRemoteImages(doc: Document, replace: (url: string) => string): void {
  const swapCss = (css: string) =>
    css.replace(CSS_URL, (whole, _quote: string, url: string) => {
      if (!REMOTE.test(url)) return whole;
      const next = replace(url.trim());
      return next ? `url("${next}")` : 'none';
    });
  for (const element of Array.from(doc.querySelectorAll('*'))) {
    for (const name of element.localName === 'image' ? ['href', 'xlink:href'] : ['src', 'background', 'poster']) {
      const value = element.getAttribute(name);
      if (value && REMOTE.test(value)) element.setAttribute(name, replace(value.trim()) || (name === 'background' ? '' : BLANK));
    }
    const srcset = element.getAttribute('srcset');
    if (srcset && REMOTE.test(srcset.replace(/^[\s,]+/, ''))) element.setAttribute('srcset', rewriteSrcset(srcset, replace));
    const style = element.getAttribute('style');
    if (style && /url\(/i.test(style)) element.setAttribute('style', swapCss(style));
    if (element.localName === 'style' && element.textContent) element.textContent = swapCss(element.textContent);
  }
}

/** A srcset with each remote candidate replaced, or dropped when the replacement is empty. */
function rewriteSrcset(srcset: string, replace: (url: string) => string): string {
  return srcset
    .split(',')
    .map((candidate) => {
      const [url = '', ...descriptor] = candidate.trim().split(/\s+/);
      if (!REMOTE.test(url)) return candidate.trim();
      const next = replace(url);
      // The image URL is percent-encoded in the query, so it holds no comma or space to split srcset on.
      return next ? [next, ...descriptor].join(' ') : '';
    })
    .filter(Boolean)
    .join(', ');
}

/** Resolves once every image of the document has loaded or failed, or after IMAGE_WAIT_MS. */
function imagesSettled(doc: Document): Promise<void> {
  const pending = Array.from(doc.images).filter((image) => !image.complete);
  const all = Promise.all(pending.map((image) => new Promise<void>((resolve) => {
    image.addEventListener('load', () => resolve(), { once: true });
    image.addEventListener('error', () => resolve(), { once: true });
  })));
  return Promise.race([all.then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, IMAGE_WAIT_MS))]);
}
