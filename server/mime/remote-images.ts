import { Parser } from 'htmlparser2';

/** Attributes that name an image, by element (HTML's img, input type=image, video poster, table backgrounds, SVG's image). */
const IMAGE_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  img: ['src', 'srcset'],
  source: ['srcset'],
  input: ['src'],
  video: ['poster'],
  image: ['href', 'xlink:href'],
  body: ['background'],
  table: ['background'],
  td: ['background'],
  th: ['background'],
  tr: ['background'],
};
/** CSS read per style element; a larger sheet is cut here, its later images left out. */
const MAX_STYLE_TEXT = 1 << 20;
/** A message with more remote images than this is a flood, not a layout. */
export const MAX_REMOTE_IMAGES = 500;

/**
 * The absolute http(s) URLs of the images a message's HTML shows: what the web inbox
 * may ask the server to fetch for a screenshot with remote content allowed. Anything
 * else (links, scripts, a URL the message never names) is not an image of this
 * message, so the fetch route refuses it and cannot be used as an open proxy.
 */
export function remoteImageUrls(html: string): Set<string> {
  const urls = new Set<string>();
  const add = (value: string) => {
    if (urls.size >= MAX_REMOTE_IMAGES) return;
    const href = absoluteHttpUrl(value);
    if (href) urls.add(href);
  };
  const addCss = (css: string) => cssUrls(css, add);
  let style: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'style') style = '';
        for (const attribute of IMAGE_ATTRIBUTES[name] ?? []) {
          const value = attributes[attribute];
          if (value === undefined) continue;
          if (attribute === 'srcset') for (const candidate of value.split(',')) add(candidate.trim().split(/\s+/)[0] ?? '');
          else add(value);
        }
        if (attributes.style) addCss(attributes.style);
      },
      ontext(text) {
        if (style !== undefined && style.length < MAX_STYLE_TEXT) style += text;
      },
      onclosetag(name) {
        if (name !== 'style' || style === undefined) return;
        addCss(style);
        style = undefined;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return urls;
}

/**
 * Calls `add` with the value of each CSS `url(…)` (quotes, if paired, taken off): one
 * pass, each `)` searched for once. A regular expression with a `[^)]*` after `url(`
 * rescans to the end for every unclosed `url(`, the square of the text's length
 * (160 KB of `url(` in one style attribute took 18 s of the event loop).
 */
function cssUrls(css: string, add: (value: string) => void): void {
  const lower = css.toLowerCase();
  for (let at = lower.indexOf('url(', 0); at >= 0; ) {
    const close = lower.indexOf(')', at + 4);
    if (close < 0) return;
    let value = css.slice(at + 4, close).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) value = value.slice(1, -1);
    if (!/['"]/.test(value)) add(value);
    at = lower.indexOf('url(', close + 1);
  }
}

/** The URL as the browser resolves it (protocol-relative ones count as https), or undefined when it is not remote. */
export function absoluteHttpUrl(value: string): string | undefined {
  const trimmed = value.trim();
  if (!/^(?:https?:)?\/\//i.test(trimmed)) return undefined;
  try {
    const url = new URL(trimmed, 'https://invalid/');
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
