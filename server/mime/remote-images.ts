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
const CSS_URL = /url\(\s*(['"]?)([^'")]*)\1\s*\)/gi;
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
  const addCss = (css: string) => {
    for (const match of css.matchAll(CSS_URL)) add(match[2] ?? '');
  };
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
