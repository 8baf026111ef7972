/**
 * Counts what a message's HTML would fetch from other hosts (images, CSS, fonts, media),
 * so the inbox can say how much it held back. Blocking itself is the server's
 * Content-Security-Policy on /view/{ID}.html; this only reads. DOMParser documents run no
 * script and fetch nothing, so parsing hostile HTML here is inert.
 */
/** A URL that reaches another host: http(s), or protocol-relative. */
export const REMOTE = /^\s*(?:https?:)?\/\//i;
const CSS_REMOTE = /(?:url\(\s*['"]?\s*(?:https?:)?\/\/|@import\s+['"]?(?:https?:)?\/\/)/gi;
const URL_ATTRS = ['src', 'srcset', 'background', 'poster', 'data', 'href', 'xlink:href'];

export function countRemote(html: string): number {
  if (!/(?:https?:)?\/\//i.test(html)) return 0;
  const doc = new DOMParser().parseFromString(html, 'text/html');
  let count = 0;
  for (const el of Array.from(doc.querySelectorAll('*'))) {
    const tag = el.localName;
    if (tag === 'a' || tag === 'area' || tag === 'base') continue;
    for (const name of URL_ATTRS) {
      if (name === 'href' && !(tag === 'link' || tag === 'image' || tag === 'use')) continue;
      const value = el.getAttribute(name);
      if (value && REMOTE.test(value)) count++;
    }
    const style = el.getAttribute('style');
    if (style) count += style.match(CSS_REMOTE)?.length ?? 0;
    if (tag === 'style') count += el.textContent?.match(CSS_REMOTE)?.length ?? 0;
  }
  return count;
}
