import { htmlToText } from '../mime/body-text.js';

/**
 * What a tool hands back is read by a language model with a finite context: every
 * text is cut to a bound the caller may raise up to a hard ceiling, and a cut says so.
 */
export const TEXT_DEFAULT = 20_000;
export const TEXT_MAX = 200_000;
export const RAW_DEFAULT = 100_000;
export const RAW_MAX = 1_000_000;

/** `text` cut to `max` characters, never splitting a surrogate pair, with a note on what was left out. */
export function capText(text: string, max: number, unit = 'characters'): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}\n\n[truncated: ${end} of ${text.length} ${unit} shown; ask for more with a larger limit]`;
}

/** The first `max` bytes of a message source as text, with a note when there are more. */
export function capBytes(bytes: Uint8Array, max: number): string {
  if (bytes.length <= max) return new TextDecoder().decode(bytes);
  // A cut inside a UTF-8 sequence decodes to one U+FFFD at the end, which is honest enough.
  return `${new TextDecoder().decode(bytes.subarray(0, max))}\n\n[truncated: ${max} of ${bytes.length} bytes shown; raise max_bytes (up to ${RAW_MAX}) for more]`;
}

/** HTML as the text a reader sees: tags gone, runs of blank space folded so the model reads prose. */
export function readableHtml(html: string): string {
  return htmlToText(html)
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .trim();
}
